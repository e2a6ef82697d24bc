"""Fill an ``auditor new`` template's placeholders as a user would, for tests that run a template."""

from __future__ import annotations

import re

# What a user writes for each placeholder, by key. Example values: the claim is West
# Sussex's published £17.8m-£46.7m; cohorts are round numbers of the right size.
VALUES = {"authority": '"Test council"', "low": '"£17.8m"', "high": '"£46.7m"', "cohort": "2000",
          "new_per_year": "300", "model": '"face_value"', "source": '"https://example.org/source"'}

_LINE = re.compile(r'^(\s*)([A-Za-z_]+)(\s*=\s*)"FILL IN[^"]*"', re.M)


def fill_template(text: str) -> str:
    """``text`` with every ``"FILL IN: ..."`` value replaced by the example value for its key."""
    return _LINE.sub(lambda m: m.group(1) + m.group(2) + m.group(3) + VALUES[m.group(2)], text)
