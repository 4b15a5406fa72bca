"""Write docs/architecture.md: the layers and one line per module, from module docstrings."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "vulndesk"
DOC = ROOT / "docs" / "architecture.md"

HEADER = """# vulndesk architecture

The layers follow `../shared/design/architecture.md`; imports point down only and
`lint-imports` enforces it (contracts in `pyproject.toml`).

```
entrypoints (cli, api, web)  ->  bootstrap, config  ->  adapters  ->  services  ->  rules | exporters  ->  domain
```

A report's way through: intake -> case -> facts -> rules engine -> obligations with due
instants -> drafts redacted by disclosure policy -> two-person approval -> delivery -> ledger
-> audit chain.

Inside each layer, modules are grouped by feature (decision 0030):

| layer | feature packages |
|---|---|
| `services/` | `access`, `accounts`, `intake`, `cases`, `clocks`, `disclosure`, `reports`, `notify`, `publication`, `advisories`, `coordination`, `audit`, `background`, `demo`; `context.py` and `ports.py` on top |
| `exporters/` | `reports` (one registry of report kinds, a builder per regulator), `advisories` (CSAF, VEX, CVE, OSV, CycloneDX, the provider tree) |
| `adapters/` | `delivery` (mail, webhooks), `storage` with `tables/` and `repositories/` per feature |
| `entrypoints/` | `api/`, `web/`, `cli/`, one module per area |

To add a regulator, follow `docs/contributing-a-regulator.md`.

Functions stay within 50 lines and modules within 300 (decision 0049). What is still over either
limit is listed in `tests/unit/test_code_shape.py`; the lists only shrink. Alembic migrations are
exempt.

Regenerate this file with `python tools/architecture_doc.py` after adding a module;
`tests/unit/test_docs.py` fails when a module is missing here.

## Modules
"""


def first_sentence(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    line = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return line or "(no docstring)"


def modules() -> list[tuple[str, str]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent)
        if "migrations/versions" in str(rel):
            continue
        name = ".".join(rel.with_suffix("").parts)
        out.append((name.removesuffix(".__init__"), first_sentence(path)))
    return out


def render() -> str:
    lines = [HEADER]
    for name, text in modules():
        lines.append(f"- `{name}`: {text}")
    lines.append("")
    lines.append(
        "Migrations live in `vulndesk/adapters/storage/migrations/versions/`, one file per revision."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC.relative_to(ROOT)}\n")
