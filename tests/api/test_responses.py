"""JSON answers: orjson's text reads back as the standard encoder's, big integers included."""

from __future__ import annotations

import json

from rateshop.api.responses import FastJSONResponse
from rateshop.jsonwrite import json_bytes


def test_json_bytes_are_compact_utf8_json_the_standard_decoder_reads() -> None:
    data = {"text": "Café ☕ </script>", "nested": [1, 2.5, None, True, {"a": "b"}], 7: "seven"}
    written = json_bytes(data)
    assert written == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def test_integers_beyond_64_bits_are_written_exactly() -> None:
    assert json.loads(json_bytes({"big": -(10**30)})) == {"big": -(10**30)}


def test_the_response_carries_the_bytes_as_json() -> None:
    response = FastJSONResponse({"ref": "x"}, 201)
    assert response.body == b'{"ref":"x"}'
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
