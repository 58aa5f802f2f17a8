"""Calls to a partner's API: each way of switching TLS checks off beside its fixed twin."""

import ssl

import aiohttp
import httpx
import requests

PARTNER_URL = "https://partner.example.com/api"
PARTNER_CA = "/etc/ssl/partner-ca.pem"
VERIFY_TLS = False


def push_order_insecure(order: dict) -> requests.Response:
    return requests.post(f"{PARTNER_URL}/orders", json=order, timeout=10, verify=False)  # expect: BR702


def push_order(order: dict) -> requests.Response:
    return requests.post(f"{PARTNER_URL}/orders", json=order, timeout=10, verify=PARTNER_CA)


def partner_session_insecure() -> requests.Session:
    session = requests.Session()
    session.verify = VERIFY_TLS  # expect: BR702
    return session


def partner_session() -> requests.Session:
    session = requests.Session()
    session.verify = PARTNER_CA
    return session


def inventory_client_insecure() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=PARTNER_URL, timeout=10, verify=False)  # expect: BR702


def inventory_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=PARTNER_URL, timeout=10, verify=ssl.create_default_context(cafile=PARTNER_CA))


async def fetch_rates_insecure() -> dict:
    connector = aiohttp.TCPConnector(ssl=False)  # expect: BR702
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{PARTNER_URL}/rates") as response:
            return await response.json()


async def fetch_rates() -> dict:
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=PARTNER_CA))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{PARTNER_URL}/rates") as response:
            return await response.json()


def legacy_context_insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False  # expect: BR702
    context.verify_mode = ssl.CERT_NONE  # expect: BR702
    return context


def legacy_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=PARTNER_CA)
