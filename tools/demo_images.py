"""Product pictures for the demo shop (tools/demo_setup.py), drawn with Pillow:
flat shapes and a label with the product's name, so that no image file is
committed. To look at one:

    python3 tools/demo_images.py coffee_bag "Café de Chanchamayo 500 g" /tmp/cafe.png
"""

import io
import math
import random
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

SIZE = 1024  # the picture's side; drawings use these coordinates
SUPERSAMPLE = 2  # drawn this many times larger, then shrunk: smooth edges
WHITE = (255, 255, 255)
SHADOW = (232, 226, 218)
HEADLINE, DETAILS = 64, 34  # label text heights, shrunk to fit the width
# Scalable fonts, by file name: Pillow also looks for them under /usr/share/fonts.
BOLD_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf")
REGULAR_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf")


class _Pen:
    """ImageDraw in SIZE coordinates on a canvas SUPERSAMPLE times larger."""

    def __init__(self, image):
        self.image = image
        self.draw = ImageDraw.Draw(image)

    def __getattr__(self, shape):
        method = getattr(self.draw, shape)

        def scaled(xy, *args, **options):
            for key in ("width", "radius"):
                if key in options:
                    options[key] *= SUPERSAMPLE
            if isinstance(xy[0], tuple):  # points, flattened
                xy = [v for point in xy for v in point]
            return method([v * SUPERSAMPLE for v in xy], *args, **options)

        return scaled


def _truetype(names, size):
    for name in names:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None


def _plain(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _text(text, height, colour, bold):
    """The text on a transparent image about `height` pixels high."""
    font = _truetype(BOLD_FONTS if bold else REGULAR_FONTS, height)
    tallest = "Ág"  # every line gets the top and bottom of these letters
    if font is None:
        # Pillow's own font: its Aileron (Pillow >= 10.1) has no accents.
        text, tallest = (_plain(t) for t in (text, tallest))
        try:
            font = ImageFont.load_default(size=height)
        except TypeError:  # Pillow < 10.1 (Odoo 19 pins 9.4): a small bitmap font
            font = ImageFont.load_default()
    _, top, _, bottom = font.getbbox(tallest)
    left, _, right, _ = font.getbbox(text)
    stamp = Image.new("RGBA", (right - left, bottom - top), colour + (0,))
    ImageDraw.Draw(stamp).text((-left, -top), text, font=font, fill=colour)
    if not isinstance(font, ImageFont.FreeTypeFont):  # bitmap: enlarged
        width = round(stamp.width * height / stamp.height)
        stamp = stamp.resize((width, height), Image.Resampling.BICUBIC)
    return stamp


def _fitted(lines, height, colour, bold, max_width):
    """The lines at one height, lowered so that the widest fits."""
    stamps = [_text(line, height, colour, bold) for line in lines]
    widest = max(stamp.width for stamp in stamps)
    if widest > max_width:
        height = int(height * max_width / widest)
        stamps = [_text(line, height, colour, bold) for line in lines]
    return stamps


def _two_lines(words):
    """The words split in two lines as even as possible."""
    splits = [(words[:i], words[i:]) for i in range(1, len(words))]
    best = min(splits, key=lambda s: max(len(" ".join(part)) for part in s))
    return [" ".join(part) for part in best]


def _label_text(pen, box, name, colour):
    """The name's first word as a headline, the rest below it, centred in box."""
    x0, y0, x1, y1 = (v * SUPERSAMPLE for v in box)
    width = (x1 - x0) * 0.9
    big, small = HEADLINE * SUPERSAMPLE, DETAILS * SUPERSAMPLE
    headline, _, rest = name.partition(" ")
    stamps = _fitted([headline.upper()], big, colour, True, width)
    if rest:
        lines = [rest]
        if _text(rest, small, colour, False).width > width:
            lines = _two_lines(rest.split())
        stamps += _fitted(lines, small, colour, False, width)
    gap = small // 3
    y = (y0 + y1 - sum(s.height for s in stamps) - gap * (len(stamps) - 1)) / 2
    for stamp in stamps:
        pen.image.alpha_composite(stamp, (int((x0 + x1 - stamp.width) / 2), int(y)))
        y += stamp.height + gap


def _turned(cx, cy, angle, offsets):
    """The offsets turned by angle degrees, around (cx, cy)."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in offsets]


def _oval(cx, cy, rx, ry, angle=0, steps=48):
    """An ellipse as a polygon, which can be turned."""
    turns = [2 * math.pi * i / steps for i in range(steps)]
    return _turned(cx, cy, angle, [(rx * math.cos(t), ry * math.sin(t)) for t in turns])


def _coffee_bean(pen, cx, cy, size, angle):
    pen.polygon(_oval(cx, cy, size, size * 0.68, angle), fill=(92, 52, 32))
    crease = [
        (size * i / 5, size * 0.12 * math.sin(math.pi * i / 4)) for i in range(-4, 5)
    ]
    width = max(3, size // 7)
    pen.line(
        _turned(cx, cy, angle, crease), fill=(52, 28, 16), width=width, joint="curve"
    )


def _coffee_bag(pen):
    kraft, side, band = (190, 142, 96), (166, 120, 78), (74, 44, 29)
    pen.polygon([(318, 250), (706, 250), (740, 872), (284, 872)], fill=kraft)
    pen.polygon([(318, 250), (352, 250), (326, 872), (284, 872)], fill=side)
    pen.polygon([(672, 250), (706, 250), (740, 872), (698, 872)], fill=side)
    pen.rectangle((284, 846, 740, 872), fill=side)
    teeth = [(318 + 388 * i / 24, 168 if i % 2 else 180) for i in range(25)]
    pen.polygon([(318, 262), *teeth, (706, 262)], fill=band)
    for y in (200, 218, 236):
        pen.line([(330, y), (694, y)], fill=(98, 62, 42), width=4)
    pen.rounded_rectangle((358, 372, 666, 796), radius=28, fill=(247, 236, 217))
    pen.rounded_rectangle((374, 388, 650, 780), radius=20, outline=band, width=4)
    _coffee_bean(pen, 512, 462, 44, -30)
    for cx, cy, angle in ((236, 860, 25), (300, 900, -40), (790, 878, 60)):
        _coffee_bean(pen, cx, cy, 34, angle)
    return (382, 520, 642, 770), band


def _chocolate_bar(pen):
    dark, square, light = (64, 34, 18), (98, 56, 32), (128, 80, 50)
    pen.rounded_rectangle((298, 150, 726, 470), radius=18, fill=dark)
    for col in range(3):
        for row in range(2):
            x, y = 312 + col * 138, 164 + row * 144
            pen.rounded_rectangle((x, y, x + 124, y + 130), radius=10, fill=square)
            pen.rounded_rectangle(
                (x + 16, y + 16, x + 108, y + 114), fill=light, radius=6
            )
    foil = [(290 + 446 * i / 16, 400 if i % 2 else 432) for i in range(17)]
    pen.polygon([*foil, (736, 470), (290, 470)], fill=(210, 212, 220))
    pen.rectangle((290, 456, 736, 880), fill=(142, 38, 52))
    for y in (484, 842):
        pen.rectangle((290, y, 736, y + 14), fill=(217, 164, 65))
    pen.rounded_rectangle((338, 528, 688, 816), radius=24, fill=(250, 240, 222))
    pen.polygon(_oval(512, 592, 62, 30), fill=(226, 132, 52))  # a cacao pod
    for y in (585, 592, 599):
        pen.line([(462, y), (562, y)], fill=(184, 96, 30), width=4)
    pen.line([(574, 592), (598, 584)], fill=(96, 64, 30), width=6)
    return (348, 630, 678, 812), (96, 26, 36)


def _quinoa_bowl(pen):
    clay, foot, rim = (196, 104, 63), (150, 74, 42), (222, 140, 96)
    pen.rounded_rectangle((410, 860, 614, 902), radius=14, fill=foot)
    pen.pieslice((190, 290, 834, 890), 0, 180, fill=clay)
    # Full to the brim: the opening, and a heap above it.
    opening, heap = (190, 540, 834, 640), (214, 430, 810, 750)
    pen.ellipse(opening, fill=(226, 204, 154))
    pen.pieslice(heap, 180, 360, fill=(226, 204, 154))
    grains = random.Random("quinoa")
    colours = [(250, 238, 208)] * 7 + [(192, 86, 58)] * 2 + [(60, 44, 38)]
    for _ in range(1400):
        x, y = grains.uniform(190, 834), grains.uniform(420, 640)
        if not (_inside(opening, x, y) or (y < 590 and _inside(heap, x, y))):
            continue
        colour = grains.choice(colours)
        pen.ellipse((x - 7, y - 6, x + 7, y + 6), fill=colour, outline=(196, 170, 120))
    pen.arc(opening, 0, 180, fill=rim, width=12)
    pen.rounded_rectangle((352, 664, 672, 844), radius=22, fill=(250, 243, 228))
    zigzag = [(372 + 280 * i / 16, 684 if i % 2 else 694) for i in range(17)]
    pen.line(zigzag, fill=(46, 125, 107), width=5)
    return (362, 704, 662, 840), (46, 92, 70)


def _inside(box, x, y, margin=8):
    """Whether (x, y) is in the ellipse of box, margin pixels from its edge."""
    x0, y0, x1, y1 = box
    rx, ry = (x1 - x0) / 2 - margin, (y1 - y0) / 2 - margin
    return ((x - (x0 + x1) / 2) / rx) ** 2 + ((y - (y0 + y1) / 2) / ry) ** 2 <= 1


KINDS = {
    "coffee_bag": (_coffee_bag, (245, 230, 212)),
    "chocolate_bar": (_chocolate_bar, (246, 224, 222)),
    "quinoa_bowl": (_quinoa_bowl, (229, 240, 226)),
}


def product_image(name, kind):
    """A PNG of SIZE x SIZE pixels: the drawing of `kind` labelled with `name`."""
    if kind not in KINDS:
        raise ValueError(f"Unknown product drawing {kind!r}; known: {sorted(KINDS)}")
    draw, backdrop = KINDS[kind]
    canvas = Image.new("RGBA", (SIZE * SUPERSAMPLE,) * 2, WHITE + (255,))
    pen = _Pen(canvas)
    pen.ellipse((92, 92, 932, 932), fill=backdrop)
    pen.ellipse((232, 850, 792, 930), fill=SHADOW)
    text_box, text_colour = draw(pen)
    _label_text(pen, text_box, name, text_colour)
    image = canvas.convert("RGB").resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit('usage: python3 tools/demo_images.py KIND "Product name" OUT.png')
    with open(sys.argv[3], "wb") as png:
        png.write(product_image(sys.argv[2], sys.argv[1]))
