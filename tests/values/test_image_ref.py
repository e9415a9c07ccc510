"""Tests for envc.values.image_ref: the distribution/reference grammar and `unpinned-image`.

Many cases are the inputs and outcomes of distribution/reference v0.6.0 `reference_test.go`
(`TestReferenceParse`); path lengths follow `ParseNormalizedNamed` (`normalize.go`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

try:
    from envc.values.image_ref import check_image, is_unpinned
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values.image_ref import check_image, is_unpinned

SHA = "sha256:" + "f" * 64


@pytest.mark.parametrize(
    "ref",
    [
        "ubuntu",
        "test_com",
        "test.com:tag",
        "test.com:5000",  # a tag, not a port
        "test.com/repo:tag",
        "test:5000/repo",
        "test:5000/repo:tag",
        f"test:5000/repo@{SHA}",
        f"test:5000/repo:tag@{SHA}",
        "lowercase:Uppercase",
        "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
        "b.gcr.io/test.example.com/my-app:test.example.com",
        "xn--n3h.com/myimage:xn--n3h.com",
        f"xn--7o8h.com/myimage:xn--7o8h.com@{SHA}",
        "foo_bar.com:8080",
        "foo/foo_bar.com:8080",
        "192.168.1.1",
        "192.168.1.1:5000/repo:5050",
        "[2001:db8::1]/repo",
        "[2001:db8:1:2:3:4:5:6]/repo:tag",
        f"[2001:db8::1]:5000/repo:tag@{SHA}",
        "[::1]:5000/repo",
        "localhost:5000/team/app:v1",
        "Registry.Example.com/team/app:v1",  # the domain may have capitals
        "ghcr.io/flyteorg/flyte:py3.11-v2.12.1",
        "a__b/c---d/e.f_g:1",
        "a/" * 127 + "a:tag-puts-this-over-max",
        "example.com/" + "a" * 255 + ":tag",  # the path is 255: the domain does not count
        "a" * 247,  # docker.io/library/aaa...: a path of 255
        "docker.io/" + "a" * 247,
        "localhost/" + "a" * 255,
        "img:" + "t" * 128,
        "img:_tag",
        f"img@sha384:{'a' * 96}",
        f"img@sha512:{'a' * 128}",
    ],
)
def test_valid(ref: str) -> None:
    check_image(ref)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", "image reference is empty"),
        (":justtag", "image ':justtag' is not a valid image reference"),
        (f"@{SHA}", f"image '@{SHA}' is not a valid image reference"),
        ("aa/asdf$$^/aa", "image 'aa/asdf$$^/aa' is not a valid image reference"),
        ("[2001:db8::1]", "image '[2001:db8::1]' is not a valid image reference"),
        ("[2001:db8::1]:5000", "image '[2001:db8::1]:5000' is not a valid image reference"),
        (
            "[fe80::1%eth0]:5000/repo",
            "image '[fe80::1%eth0]:5000/repo' is not a valid image reference",
        ),
        ("img:", "image 'img:' is not a valid image reference"),
        ("img:-tag", "image 'img:-tag' is not a valid image reference"),
        ("img:" + "t" * 129, f"image {'img:' + 't' * 129!r} is not a valid image reference"),
        ("img:tâg", "image 'img:tâg' is not a valid image reference"),
        ("a//b", "image 'a//b' is not a valid image reference"),
        ("a/b/", "image 'a/b/' is not a valid image reference"),
        ("-a", "image '-a' is not a valid image reference"),
        ("a..b", "image 'a..b' is not a valid image reference"),
        ("a___b", "image 'a___b' is not a valid image reference"),
        (" ubuntu", "image ' ubuntu' is not a valid image reference"),
        ("ubuntu\n", "image 'ubuntu\\n' is not a valid image reference"),
        ("img@sha256:abc", "image 'img@sha256:abc' is not a valid image reference"),  # < 32 hex
        (
            "Uppercase:tag",
            "image 'Uppercase:tag' is invalid: the repository name must be lowercase",
        ),
        (
            "test:5000/Uppercase/lowercase:tag",
            (
                "image 'test:5000/Uppercase/lowercase:tag' is invalid: "
                "the repository name must be lowercase"
            ),
        ),
        (
            "domain/" + "a" * 256 + ":tag",
            (
                f"image {'domain/' + 'a' * 256 + ':tag'!r}: "
                "the repository path is longer than 255 characters"
            ),
        ),
        (
            "a" * 248,  # docker.io/library/aaa...: a path of 256
            f"image {'a' * 248!r}: the repository path is longer than 255 characters",
        ),
        (
            "a/" * 128 + "a",  # `a` is a namespace on Docker Hub, not a registry
            f"image {'a/' * 128 + 'a'!r}: the repository path is longer than 255 characters",
        ),
        (
            "index.docker.io/" + "a" * 248,
            (
                f"image {'index.docker.io/' + 'a' * 248!r}: "
                "the repository path is longer than 255 characters"
            ),
        ),
        (
            "f" * 64,
            f"image {'f' * 64!r} is a 64-hex image id, not a reference: name the repository",
        ),
        (
            "repo@sha256:" + "f" * 34,
            f"image {'repo@sha256:' + 'f' * 34!r}: a sha256 digest has 64 hex digits, not 34",
        ),
        (
            f"validname@invaliddigest:{'f' * 64}",
            (
                f"image 'validname@invaliddigest:{'f' * 64}': unsupported digest algorithm "
                "'invaliddigest' (use sha256, sha384 or sha512)"
            ),
        ),
        (
            f"img@sha256:{'F' * 64}",
            f"image 'img@sha256:{'F' * 64}': the digest must be lowercase hex",
        ),
    ],
)
def test_invalid(ref: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_image(ref)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("ref", "unpinned"),
    [
        ("ubuntu", True),
        ("ubuntu:latest", True),
        ("localhost:5000/app", True),  # a port is not a tag
        ("localhost:5000/app:latest", True),
        ("ubuntu:22.04", False),
        ("ubuntu:Latest", False),  # tags are case-sensitive
        (f"ubuntu@{SHA}", False),
        (f"ubuntu:latest@{SHA}", False),  # the digest pins it
        ("test.com:5000", False),  # tag "5000"
    ],
)
def test_is_unpinned(ref: str, unpinned: bool) -> None:
    assert is_unpinned(ref) is unpinned


def test_is_unpinned_rejects_invalid_references() -> None:
    with pytest.raises(ValueError, match="is not a valid image reference"):
        is_unpinned("a//b")


@pytest.mark.parametrize(
    "ref",
    [
        "a" * 20000 + "!",
        "a-" * 10000 + "!",
        "a." * 10000 + "!",
        "a." * 10000 + ":" + "a" * 200,
        "a" + "-" * 20000 + "!",
        "-".join(["a"] * 10000) + "@",
        ("a" * 10 + ".") * 2000 + ":99999/" + "a_" * 4000 + "!",
        "[" + ":" * 20000,
    ],
)
def test_no_catastrophic_backtracking(ref: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError):
        check_image(ref)
    assert time.perf_counter() - start < 1.0
