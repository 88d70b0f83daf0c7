"""Packages and their data files for setuptools; the rest is in pyproject.toml.

web/ (templates, static files) and drafts/ (the demo Code) stay at the top of
the repository but ship inside the package, as cop_drafts/web and
cop_drafts/drafts, so that an installed wheel serves its pages and builds the
demo; cop_drafts.config.shipped finds them there, or at the top of a checkout
(the editable install). pyproject.toml cannot map folders from outside the
package into it beside the packages it finds, hence this file. Folders
without an ``__init__.py`` (migrations, export assets, templates) are
packages of data.
"""

from setuptools import find_namespace_packages, setup

MAPPED = {"cop_drafts.web": "web", "cop_drafts.drafts": "drafts"}
# Data files of the package's own folders (Alembic's migrations and script
# template, the PDF's fonts and styles, the password list).
OWN_DATA = {
    "cop_drafts": [
        "db/migrations/*",
        "db/migrations/**/*",
        "export/assets/*",
        "export/assets/**/*",
        "services/data/*",
    ]
}


def _mapped_packages(name: str, folder: str) -> list[str]:
    return [name, *(f"{name}.{sub}" for sub in find_namespace_packages(where=folder))]


mapped = [p for name, folder in MAPPED.items() for p in _mapped_packages(name, folder)]
setup(
    packages=[
        *find_namespace_packages(
            include=["cop_drafts", "cop_drafts.*"], exclude=["*.__pycache__"]
        ),
        *mapped,
    ],
    package_dir=MAPPED,
    package_data={**OWN_DATA, **{name: ["*"] for name in mapped}},
    include_package_data=False,  # only the files named here, never a stray one
)
