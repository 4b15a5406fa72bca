"""CycloneDX 1.6 VEX of an advisory: the products as components, the vulnerability's analysis.

Built with cyclonedx-python-lib and serialised by its JSON outputter, which validates nothing
over the network.
"""

from __future__ import annotations

import json
from uuid import UUID, uuid5

from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import ImpactAnalysisJustification, ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from vulndesk.domain.products import Product
from vulndesk.exporters.advisories.advisory import AdvisoryInput, ProductState
from vulndesk.exporters.advisories.support import base_purl, display_name

_NS = UUID("6b1f0d6e-3a0c-4c1e-9a52-5d1c1f2a7e10")
_STATE = {
    ProductState.KNOWN_AFFECTED: ImpactAnalysisState.EXPLOITABLE,
    ProductState.FIXED: ImpactAnalysisState.RESOLVED,
    ProductState.KNOWN_NOT_AFFECTED: ImpactAnalysisState.NOT_AFFECTED,
    ProductState.UNDER_INVESTIGATION: ImpactAnalysisState.IN_TRIAGE,
}


def _component(product: Product, version: str, ref: BomRef) -> Component:
    """One version of a product, as firmware or an application, with its package URL."""
    purl = base_purl(product)
    return Component(
        name=display_name(product),
        version=version,
        type=ComponentType.FIRMWARE
        if "firmware" in product.name.lower()
        else ComponentType.APPLICATION,
        bom_ref=ref,
        purl=PackageURL.from_string(purl.to_string())._replace(version=version) if purl else None,
    )


def _analysis(states: set[ProductState]) -> VulnerabilityAnalysis:
    """One analysis per document: the worst state present (CycloneDX analyses per vulnerability)."""
    order = (
        ProductState.KNOWN_AFFECTED,
        ProductState.UNDER_INVESTIGATION,
        ProductState.FIXED,
        ProductState.KNOWN_NOT_AFFECTED,
    )
    worst = next(s for s in order if s in states)
    justification = None
    if worst is ProductState.KNOWN_NOT_AFFECTED:
        justification = ImpactAnalysisJustification.CODE_NOT_PRESENT
    return VulnerabilityAnalysis(state=_STATE[worst], justification=justification)


def build_cyclonedx_vex(a: AdvisoryInput) -> str:
    """The VEX as CycloneDX 1.6 JSON text; one component per product version with a status."""
    bom = Bom(serial_number=uuid5(_NS, f"{a.tracking.id}/{a.tracking.version}"))
    bom.metadata.timestamp = a.now
    products = {p.id: p for p in a.products}
    targets = []
    states = set()
    for s in a.version_statuses():
        product = products[s.product]
        ref = BomRef(f"{product.id}@{s.version}")
        bom.components.add(_component(product, s.version, ref))
        targets.append(
            BomTarget(
                ref=ref.value or "",
                versions=[BomTargetVersionRange(version=s.version, status=None)],
            )
        )
        states.add(s.state)
    vuln = Vulnerability(
        id=a.cve or a.tracking.id,
        source=VulnerabilitySource(name=a.publisher.name),
        description=a.summary,
        analysis=_analysis(states),
        affects=targets,
    )
    bom.vulnerabilities.add(vuln)
    text = JsonV1Dot6(bom).output_as_string()
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
