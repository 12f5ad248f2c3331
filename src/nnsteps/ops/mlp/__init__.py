"""Dense networks worked by hand: the network (forward, δs, gradients, update), a mini-batch, any loss,
regularisation, and the perceptron."""
