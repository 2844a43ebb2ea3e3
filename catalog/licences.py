"""Licences of the source datasets: SPDX-style ids with the terms a release must honour.

A catalog entry's `licence` is one of these ids. The flags are what the builder's licence policy reads: a
release that merges, normalises and crops images makes derivatives, so no-derivatives material may not go in,
and the release as a whole carries the most restrictive terms of what went in."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    link: Optional[str] = None  # the licence text; None for "unknown" and terms without a public text
    attribution: bool = True
    noncommercial: bool = False
    sharealike: bool = False
    noderivatives: bool = False
    # CC0 / public domain, CC BY: what the policy calls "open"
    open: bool = False
    known: bool = True  # False: the terms are not established; a release that uses it says so


def _cc(version: str, *terms: str) -> Licence:
    suffix = "-".join(t.upper() for t in terms)
    spdx = f"CC-BY-{suffix}-{version}" if terms else f"CC-BY-{version}"
    words = {"nc": "NonCommercial", "sa": "ShareAlike", "nd": "NoDerivatives"}
    name = "Creative Commons Attribution" + "".join(f"-{words[t]}" for t in terms) + f" {version}"
    path = "by" + "".join(f"-{t}" for t in terms)
    return Licence(
        id=spdx, name=name, link=f"https://creativecommons.org/licenses/{path}/{version}/",
        noncommercial="nc" in terms, sharealike="sa" in terms, noderivatives="nd" in terms, open=not terms,
    )


LICENCES: dict[str, Licence] = {
    lic.id: lic
    for lic in [
        Licence(id="CC0-1.0", name="Creative Commons Zero v1.0 Universal",
                link="https://creativecommons.org/publicdomain/zero/1.0/", attribution=False, open=True),
        *(_cc(v) for v in ("2.0", "3.0", "4.0")),
        *(_cc(v, "sa") for v in ("3.0", "4.0")),
        *(_cc(v, "nc") for v in ("3.0", "4.0")),
        *(_cc(v, "nc", "sa") for v in ("3.0", "4.0")),
        *(_cc(v, "nc", "nd") for v in ("3.0", "4.0")),
        *(_cc(v, "nd") for v in ("4.0",)),
        # Kaggle competition data: the competition's rules bind the downloader (typically non-commercial
        # research use); no public licence text lets it be redistributed
        Licence(id="LicenseRef-Kaggle-Competition", name="Kaggle competition rules (research use)",
                noncommercial=True, noderivatives=False),
        Licence(id="unknown", name="unknown: the distributor states no licence", known=False),
    ]
}


def get_licence(licence_id: str) -> Licence:
    try:
        return LICENCES[licence_id]
    except KeyError:
        raise ValueError(f"unknown licence id {licence_id!r}; known: {', '.join(sorted(LICENCES))}") from None
