"""Container image references (SPEC §6.4).

The grammar is github.com/distribution/reference v0.6.0, `regexp.go` (`referencePat`, built from
`domainAndPort`, `pathComponent`, `tag`, `digestPat`), checked as `normalize.go`
`ParseNormalizedNamed` does (the kubelet's parser): a bare 64-hex image id is rejected; the
repository path, after Docker Hub normalization (`ubuntu` is `library/ubuntu`) and without the
registry, is at most 255 characters (`reference.go` `Parse`); "repository name must be lowercase"
when only the case is wrong. The digest is checked as `go-digest` `Digest.Validate` does for the
algorithms the kubelet links (sha256, sha384, sha512: lowercase hex of the exact length). Go's
`\\w` and `[[:xdigit:]]` are ASCII, so the classes are spelled out here.
"""

from __future__ import annotations

import re

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = _ALNUM + r"(?:" + _SEPARATOR + _ALNUM + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = r"(?:" + _DOMAIN_NAME + r"|" + _IPV6 + r")(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"

_REFERENCE = re.compile(
    r"(?P<name>(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME + r")"
    r"(?::(?P<tag>" + _TAG + r"))?(?:@(?P<digest>" + _DIGEST + r"))?"
)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_PATH_MAX = 255
_DOCKER_HUB = ("docker.io", "index.docker.io")


def check_image(ref: str) -> None:
    """Raise `ValueError` unless `ref` is a valid image reference (`name[:tag][@digest]`)."""
    match = _match(ref)
    if len(_docker_path(match["name"])) > _PATH_MAX:
        raise ValueError(
            f"image {ref!r}: the repository path is longer than {_PATH_MAX} characters"
        )
    if match["digest"] is not None:
        _check_digest(ref, match["digest"])


def is_unpinned(ref: str) -> bool:
    """True for a reference with neither tag nor digest, or tag `latest` without a digest."""
    match = _match(ref)
    return match["digest"] is None and match["tag"] in (None, "latest")


def _match(ref: str) -> re.Match[str]:
    if not ref:
        raise ValueError("image reference is empty")
    if _IDENTIFIER.fullmatch(ref):
        raise ValueError(
            f"image {ref!r} is a 64-hex image id, not a reference: name the repository"
        )
    match = _REFERENCE.fullmatch(ref)
    if match is not None:
        return match
    if ref.lower() != ref and _REFERENCE.fullmatch(ref.lower()):
        raise ValueError(f"image {ref!r} is invalid: the repository name must be lowercase")
    raise ValueError(f"image {ref!r} is not a valid image reference")


def _docker_path(name: str) -> str:
    """The repository path as `ParseNormalizedNamed` measures it (normalize.go `splitDockerDomain`).

    The first component is a registry only if it is `localhost` or has a `.`, a `:` or a capital;
    otherwise the image is on Docker Hub, where a one-component name gets `library/` prepended.
    """
    first, slash, rest = name.partition("/")
    is_domain = first == "localhost" or any(c in first for c in ".:") or first.lower() != first
    domain, path = (first, rest) if slash and is_domain else (_DOCKER_HUB[0], name)
    if domain in _DOCKER_HUB and "/" not in path:
        path = "library/" + path
    return path


def _check_digest(ref: str, digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if length is None:
        raise ValueError(
            f"image {ref!r}: unsupported digest algorithm {algorithm!r} (use sha256, sha384 or sha512)"
        )
    if len(encoded) != length:
        raise ValueError(
            f"image {ref!r}: a {algorithm} digest has {length} hex digits, not {len(encoded)}"
        )
    if encoded != encoded.lower():
        raise ValueError(f"image {ref!r}: the digest must be lowercase hex")
