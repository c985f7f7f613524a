"""The API's JSON renderer: DRF's output, written by orjson.

Encoding a page of 50 rows with the standard library's `json` took a tenth of a list
request's time (docs/benchmarks.md); orjson writes the same bytes in a fraction of it.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Dates and times go through DRF's encoder (orjson writes them differently: `+00:00`, not `Z`),
# and so does anything orjson does not know (lazy strings, decimals, querysets…). Dataclasses
# too: DRF's encoder refuses them, orjson would write them.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    """`rest_framework.renderers.JSONRenderer` with DRF's settings (compact, UTF-8, strict),
    byte for byte (tests/api/test_renderer.py), written by orjson.

    DRF's own path is taken whenever orjson could write something else: an indented response
    (`Accept: application/json; indent=4`, the browsable API), other JSON settings, and
    anything orjson refuses (keys that are not strings, integers beyond 64 bits, text that is
    not valid Unicode), so DRF answers those as it always did. One difference is left, because
    orjson writes floats itself: a float with a negative exponent is written `1e-7`, not
    `1e-07`, and NaN or infinity as null (DRF refuses them). The API writes no floats
    (decimals are strings)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or not self.strict
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=_default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: U+2028 and U+2029 escaped, so the output is also valid JavaScript.
        if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
            content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return content
