"""Writes the small image fixtures of testdata/media and what PIL makes of them.

Run once with numpy and Pillow (the files here came from Pillow 11.3.0, whose Resample.c bicubic and
libjpeg-turbo decoding are the same as the reference's Pillow 9.4):  python3 make-fixtures.py
Expected outputs follow VideoLlavaImageProcessor: convert("RGB"), resize shortest edge to S with
int(S * long / short) and BICUBIC, crop top=(h-S)//2, left=(w-S)//2.
"""
import numpy as np
from PIL import Image

rng = np.random.default_rng(7)


def pattern(w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 127 + 120 * np.sin((x + y) / 13.0)
    b = (x * 3 + y * 5) % 256
    img = np.stack([r, g, b], -1)
    img[h // 3: h // 3 + 20, w // 4: w // 4 + 40] = [250, 10, 10]  # sharp edges: ringing shows up
    return np.clip(img + rng.integers(-6, 7, img.shape), 0, 255).astype(np.uint8)


def expected(img, size):
    img = img.convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    arr = np.array(img.resize((nw, nh), resample=Image.BICUBIC))
    top, left = (nh - size) // 2, (nw - size) // 2
    return Image.fromarray(arr[top:top + size, left:left + size])


odd = Image.fromarray(pattern(641, 359))
odd.save("odd.png")
expected(odd, 224).save("odd-224.png")
expected(odd, 112).save("odd-112.png")
portrait = Image.fromarray(pattern(359, 641))
portrait.save("portrait.png")
expected(portrait, 224).save("portrait-224.png")
tiny = Image.fromarray(pattern(50, 30))
tiny.save("tiny.png")
expected(tiny, 112).save("tiny-112.png")

odd.save("photo.jpg", quality=90)
Image.open("photo.jpg").convert("RGB").save("photo-pil.png")
odd.save("photo.webp", quality=90)
Image.open("photo.webp").convert("RGB").save("photo-webp-pil.png")
odd.save("photo.bmp")

small = pattern(40, 30)
Image.fromarray(small).convert("L").save("gray.png")
Image.fromarray(small).convert("LA").save("gray-alpha.png")
rgba = Image.fromarray(small).convert("RGBA")
alpha = np.array(rgba)
alpha[..., 3] = np.arange(40)[None, :] * 6
Image.fromarray(alpha, "RGBA").save("rgba.png")
pal = Image.fromarray(small).convert("P", palette=Image.ADAPTIVE, colors=16)
pal.info["transparency"] = 0
pal.save("palette.png", transparency=0)
Image.open("palette.png").convert("RGB").save("palette-pil.png")
frames = [Image.fromarray(small).convert("P", palette=Image.ADAPTIVE, colors=32),
          Image.fromarray(255 - small).convert("P", palette=Image.ADAPTIVE, colors=32)]
frames[0].save("anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
Image.open("anim.gif").convert("RGB").save("anim-first-pil.png")
g16 = (np.arange(40 * 30).reshape(30, 40) * 37 % 1000).astype(np.uint16)
Image.fromarray(g16, "I;16").save("gray16.png")
