"""A throwaway certificate authority for TLS on 127.0.0.1, made with the ``openssl`` command.

A test SMTP server that offers STARTTLS with :attr:`LoopbackTls.server` lets a real
``omnibot run`` send mail exactly as it does in production (STARTTLS required, the
certificate checked against its name, here the address 127.0.0.1): the server process is told
to trust :attr:`LoopbackTls.authority` through ``SSL_CERT_FILE``, which OpenSSL reads in
place of the system's certificates. No switch in omnibot turns TLS off.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

HOW_TO_GET_ONE = "no openssl command for the TLS tests: apt-get install -y openssl"
_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
_SERVER_EXTENSIONS = """\
subjectAltName = IP:127.0.0.1
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
"""


@dataclass(frozen=True, slots=True)
class LoopbackTls:
    """The authority's certificate (for ``SSL_CERT_FILE``) and a server context whose
    certificate it signed, valid for 127.0.0.1 for two days."""

    authority: Path
    server: ssl.SSLContext


def loopback_tls(folder: Path) -> LoopbackTls:
    """Make an authority and a certificate for 127.0.0.1 under ``folder``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError(HOW_TO_GET_ONE)
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, request = folder / "server.pem", folder / "server.key", folder / "server.csr"
    extensions = folder / "server.ext"
    extensions.write_text(_SERVER_EXTENSIONS)
    _run(
        openssl, "req", "-x509", *_KEY, "-days", "2", "-subj", "/CN=omnibot test authority",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign",
        "-keyout", str(ca_key), "-out", str(ca),
    )  # fmt: skip
    _run(openssl, "req", *_KEY, "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(request))
    _run(
        openssl, "x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(cert),
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return LoopbackTls(ca, context)


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed: {done.stderr}")
