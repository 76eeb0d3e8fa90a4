"""A certificate authority made with ``openssl`` at test time, and the certificates a TLS test
needs from it: one for 127.0.0.1 and localhost, one for another host, one expired, and
certificates from outside it (self-signed, or from a second authority nobody trusts).

Keys are P-256, made fresh in a temporary folder; nothing here is ever trusted outside a test.
"""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOCAL = "IP:127.0.0.1,DNS:localhost"
"""The names a certificate for the test servers carries."""
_CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
_CONFIG = """[ca]
default_ca = throwaway
[throwaway]
database = {folder}/index.txt
new_certs_dir = {folder}
rand_serial = yes
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
"""


@dataclass(frozen=True, slots=True)
class Pair:
    """A certificate and its key, as files."""

    cert: Path
    key: Path

    def server(self) -> ssl.SSLContext:
        """A server's TLS context presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def self_signed(folder: Path, name: str, names: str = LOCAL, authority: bool = False) -> Pair:
    """A certificate signed by its own key, for ``names`` (an authority's, if ``authority``)."""
    pair = Pair(folder / f"{name}.pem", folder / f"{name}.key")
    kind = "basicConstraints=critical,CA:TRUE" if authority else "basicConstraints=CA:FALSE"
    extensions = ["-addext", kind]
    if authority:
        extensions += ["-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    else:
        extensions += ["-addext", f"subjectAltName={names}"]
    _openssl(
        "req", "-x509", *_CURVE, "-keyout", pair.key, "-out", pair.cert,
        "-subj", f"/CN={name}", "-days", "2", *extensions,
    )  # fmt: skip
    return pair


@dataclass(frozen=True, slots=True)
class Authority:
    """A throwaway certificate authority in ``folder``."""

    folder: Path
    pair: Pair

    @classmethod
    def make(cls, folder: Path, name: str = "omnibot-throwaway-ca") -> Authority:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.txt").write_text("")
        (folder / "ca.cnf").write_text(_CONFIG.format(folder=folder))
        return cls(folder, self_signed(folder, name, authority=True))

    @property
    def cert(self) -> Path:
        """The authority's certificate: what a client trusts."""
        return self.pair.cert

    def client(self) -> ssl.SSLContext:
        """A client context trusting this authority only, host names checked."""
        return ssl.create_default_context(cafile=self.cert)

    def issue(self, name: str, names: str = LOCAL, expired: bool = False) -> Pair:
        """A server certificate for ``names``; one that expired in 2020 if ``expired``."""
        pair = Pair(self.folder / f"{name}.pem", self.folder / f"{name}.key")
        request = self.folder / f"{name}.csr"
        extensions = self.folder / f"{name}.ext"
        extensions.write_text(
            f"basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName={names}\n"
        )
        subject = f"/CN={name}"
        _openssl("req", "-new", *_CURVE, "-keyout", pair.key, "-out", request, "-subj", subject)
        dates = (
            ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]
            if expired
            else ["-days", "2"]
        )
        _openssl(
            "ca", "-batch", "-notext", "-config", self.folder / "ca.cnf",
            "-cert", self.pair.cert, "-keyfile", self.pair.key,
            "-in", request, "-out", pair.cert, "-extfile", extensions, *dates,
        )  # fmt: skip
        return pair
