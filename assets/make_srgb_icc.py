#!/usr/bin/env python3
"""Writes srgb.icc: the sRGB colour profile that sohoa embeds as the output
intent of its searchable PDFs (PDF/A asks for one). LittleCMS makes it, through
Pillow, so it carries no third party's licence. Run: python3 assets/make_srgb_icc.py"""
import os

from PIL import ImageCms

here = os.path.dirname(os.path.abspath(__file__))
profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
with open(os.path.join(here, "srgb.icc"), "wb") as f:
    f.write(profile.tobytes())
