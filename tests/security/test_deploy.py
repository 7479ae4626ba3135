"""The compose stack trusts X-Forwarded-For from its own nginx and nobody else, and prints its
public address (checked with docker-compose itself where it is installed)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from tests.core.test_compose import compose_config  # noqa: F401  the fixture

ROOT = Path(__file__).resolve().parents[2]


def test_web_processes_trust_exactly_the_proxy_of_the_stack(compose_config):  # noqa: F811
    services = compose_config["services"]
    proxy_ip = ipaddress.ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    subnet = ipaddress.ip_network(compose_config["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert proxy_ip in subnet
    trusted = [ipaddress.ip_network(p.strip()) for p in services["web"]["environment"]["TRUSTED_PROXIES"].split(",")]
    assert trusted == [ipaddress.ip_network(f"{proxy_ip}/32")]
    assert services["web"]["environment"]["PUBLIC_BASE_URL"].startswith("http")


def test_nginx_replaces_the_forwarded_header_instead_of_appending_to_it():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header X-Forwarded-For \$remote_addr;", conf)
    assert "$proxy_add_x_forwarded_for" not in conf
