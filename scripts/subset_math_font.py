"""Make src/nnsteps/render/assets/STIXMath-subset.woff (run from the repository root; needs Debian fonts-stix).

The subset keeps the MATH table, so stretchy delimiters and fraction layout work in MathML.
"""
import os
from fontTools import subset
from fontTools.ttLib import TTFont
src = "/usr/share/fonts/opentype/stix-word/STIXMath-Regular.otf"  # Debian fonts-stix 1.1.1 (SIL OFL 1.1)
f = TTFont(src)
opts = subset.Options()
opts.layout_features = ["*"]
opts.name_IDs = ["*"]; opts.name_languages = ["*"]; opts.notdef_outline = True
opts.drop_tables = [t for t in opts.drop_tables if t != "MATH"]
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x391, 0x3C9), (0x3D1, 0x3D1), (0x3D5, 0x3D6), (0x3F0, 0x3F5),
          (0x2000, 0x206F), (0x2070, 0x209F), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF),
          (0x2300, 0x23FF), (0x27E8, 0x27EF), (0x2A00, 0x2AFF), (0x1D400, 0x1D467), (0x1D6A8, 0x1D71B)]
sub = subset.Subsetter(opts)
sub.populate(unicodes=[c for a, b in ranges for c in range(a, b + 1)])
sub.subset(f)
assert "MATH" in f
f.flavor = "woff"
out = "src/nnsteps/render/assets/STIXMath-subset.woff"
f.save(out)
print(os.path.getsize(out))
