import ssl

import aiohttp
import httpx
import jwt
import requests
import requests as rq


def fetch(url):
    # ruleid: br702-python-tls-verification-disabled
    return requests.get(url, timeout=5, verify=False)


def fetch_alias(url, body):
    # ruleid: br702-python-tls-verification-disabled
    return rq.post(url, json=body, verify=False)


def session_fetch(url):
    s = requests.Session()
    # ruleid: br702-python-tls-verification-disabled
    s.verify = False
    # ruleid: br702-python-tls-verification-disabled
    return s.get(url, verify=False)


def httpx_client():
    # ruleid: br702-python-tls-verification-disabled
    return httpx.AsyncClient(base_url="https://api.internal", verify=False)


async def aio(url):
    # ruleid: br702-python-tls-verification-disabled
    connector = aiohttp.TCPConnector(ssl=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        # ruleid: br702-python-tls-verification-disabled
        async with session.get(url, ssl=False) as resp:
            return await resp.text()


def raw_context():
    # ruleid: br702-python-tls-verification-disabled
    ctx = ssl._create_unverified_context()
    return ctx


def weakened_context():
    ctx = ssl.create_default_context()
    # ruleid: br702-python-tls-verification-disabled
    ctx.check_hostname = False
    # ruleid: br702-python-tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------- negatives


def fetch_ok(url):
    # ok: br702-python-tls-verification-disabled
    return requests.get(url, timeout=5)


def fetch_private_ca(url):
    # ok: br702-python-tls-verification-disabled
    return requests.get(url, verify="/etc/ssl/private-ca.pem")


def fetch_configurable(url, settings):
    # ok: br702-python-tls-verification-disabled
    return httpx.get(url, verify=settings.CA_BUNDLE)


def not_tls(token, key):
    # ok: br702-python-tls-verification-disabled
    return jwt.decode(token, key, verify=False)


def strict_context():
    ctx = ssl.create_default_context()
    # ok: br702-python-tls-verification-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
