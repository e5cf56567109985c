"""Address checks against the published test vectors of each format (the messages editors see
are in test_check.py)."""

from __future__ import annotations

import base58
import pytest

from alertcast.content.addresses import MISTYPED, address_problem, eip55


EIP55_VECTORS = ["0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
                 "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
                 "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                 "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"]


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_eip55_vectors(address):
    assert address_problem("eth", address) is None
    if address[2:] not in (address[2:].lower(), address[2:].upper()):
        assert "0x" + eip55(address[2:]) == address
        at = next(i for i in range(len(address) - 1, 1, -1) if address[i].isalpha())  # the last letter
        swapped = address[:at] + address[at].swapcase() + address[at + 1:]
        assert address_problem("eth", swapped).startswith(MISTYPED)


@pytest.mark.parametrize("address", ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                                     "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # BIP 173
                                     "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
                                     "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",  # BIP 350
                                     "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"])
def test_bitcoin_vectors(address):
    assert address_problem("btc", address) is None


@pytest.mark.parametrize("address", ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
                                     "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 in bech32
                                     "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 in bech32m
                                     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"])
def test_bitcoin_typos(address):
    assert address_problem("btc", address) == MISTYPED


def test_tron_base58check():
    real_format = _b58check(bytes([0x41]) + bytes.fromhex("0e" * 20))
    assert real_format.startswith("T") and len(real_format) == 34
    assert base58.b58decode(real_format)[:21] == bytes([0x41]) + bytes.fromhex("0e" * 20)
    assert address_problem("tron", real_format) is None
    typo = real_format[:10] + ("a" if real_format[10] != "a" else "b") + real_format[11:]
    assert address_problem("tron", typo) == MISTYPED
    other_prefix = _b58check(bytes([0x42]) + bytes.fromhex("0e" * 20))
    assert address_problem("tron", other_prefix).startswith("it is not a TRON address: its first byte is 0x42")


def test_unchecked_chains_keep_the_general_form_check():
    assert address_problem("solana", "anything-goes") is None


def _b58check(payload: bytes) -> str:
    return base58.b58encode_check(payload).decode("ascii")
