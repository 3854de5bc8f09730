"""Draw the app's PNG icons from our SVGs (static/img/icons/*.svg) with headless Chromium.

Run after changing an icon: .venv/bin/python tools/draw_icons.py
"any" icons keep their rounded corners; maskable ones fill the square and keep the face
inside the central safe circle (radius 40 %), which launchers may crop to any shape.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
SIZES = {
    "icon.svg": {"icon-192.png": 192, "icon-512.png": 512},
    "maskable.svg": {"maskable-192.png": 192, "maskable-512.png": 512, "apple-touch-icon.png": 180},
}


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for source, outputs in SIZES.items():
            svg = (ICONS / source).read_text()
            for name, size in outputs.items():
                page = browser.new_page(viewport={"width": size, "height": size})
                page.set_content(
                    "<style>html,body{margin:0;background:transparent}svg{display:block;"
                    f"width:{size}px;height:{size}px}}</style>{svg}"
                )
                page.screenshot(path=str(ICONS / name), omit_background=True)
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
