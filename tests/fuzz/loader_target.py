"""The fuzz target of the loader: bytes of one YAML source file in, diagnostics out.

`fuzz_yaml(data)` runs what envc runs on a source file — decode (UTF-8, BOM), the loader (YAML
1.2 core, tags, aliases, the SPEC §11.3 limits), the kind and schema checks — and renders the
diagnostics in every format.  It raises only AssertionError, when an invariant breaks:

* every diagnostic has a registered code and a location in the file: a line of it and a column
  of that line (or just past its end);
* a file that is not UTF-8 gets exactly one E102.

Any other exception is a crash: the CLI would exit 3 with a traceback.  Driven by hypothesis in
tests/fuzz/test_fuzz_loader.py and by atheris in tests/fuzz/atheris_loader.py.
"""

from __future__ import annotations

import re

from envc import codes, render
from envc.diagnostics import Sink
from envc.load import decode, load_documents
from envc.schema import check_document, check_kind

FILE = "envs/f.yaml"
# The line breaks of YAML 1.2 (decode() turns them into "\n"; NEL, LS and PS are errors).
BREAKS = re.compile("\r\n|\r|\n")


def fuzz_yaml(data: bytes) -> None:
    sink = Sink()
    text = decode(data, FILE, sink)
    if text is None:
        assert [d.code for d in sink.items] == [codes.NOT_UTF8], sink.items
        assert_located(sink, data.decode("utf-8", "replace"))
        return
    sink.sources[FILE] = text
    for doc in load_documents(text, FILE, sink):
        kind = check_kind(doc, sink)
        if kind is not None:
            check_document(doc, kind, sink)
    assert_located(sink, text)
    diags = sink.sorted()
    for fmt in render.FORMATS:
        assert isinstance(render.report(fmt, sink, diags), str)


def assert_located(sink: Sink, text: str) -> None:
    lines = BREAKS.split(text)
    for d in sink.items:
        assert codes.BY_ID.get(d.code.id) is d.code, d
        spans = [d.span, *(r.span for r in d.related)]
        for span in spans:
            assert span is not None and span.file == FILE, d
            assert 1 <= span.line <= len(lines), (d, len(lines))
            assert 1 <= span.col <= len(lines[span.line - 1]) + 1, (d, lines[span.line - 1][:80])
