"""Scam addresses checked the way wallets check them, so a typo never reaches the blocklist.

An address with a digit missing or a character mistyped blocks nothing and warns nobody; the
real scam address stays unblocked. Where a chain's format can be checked exactly with the
standard library (plus Keccak-256, in `keccak`), `address_problem` does it:

- EVM chains (EVM_CHAINS): `0x` and 40 hex digits; when letters are mixed case, the EIP-55
  checksum that the case encodes must hold. All lower (or all upper) case carries no checksum.
- TRON: Base58Check of 25 bytes, the first 0x41 (so the address starts with T), the last four
  the double-SHA-256 checksum of the rest.
- Bitcoin (`btc`): Base58Check P2PKH (starts with 1) or P2SH (3), or a SegWit address
  (`bc1…`, Bech32 for version 0, Bech32m for versions 1 to 16; BIP 173 and BIP 350).

Other chains keep the general `chain:address` form check.
"""

from __future__ import annotations

import hashlib

from .keccak import keccak256

EVM_CHAINS = ("eth", "bsc", "polygon", "arbitrum", "optimism", "base", "avalanche")
CHECKED_CHAINS = EVM_CHAINS + ("tron", "btc")

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3
MISTYPED = "the checksum does not match: a character is mistyped"
#: How to fix an address that fails its check.
COPY_AGAIN = "copy the address again from where the scam was reported; never retype it"


def address_problem(chain: str, address: str) -> str | None:
    """What is wrong with `address` on `chain`, in words; None when it is well formed (or the
    chain is not one alertcast can check)."""
    if chain in EVM_CHAINS:
        return _evm(chain, address)
    if chain == "tron":
        return _tron(address)
    if chain == "btc":
        return _bitcoin(address)
    return None


def eip55(hex40: str) -> str:
    """The EIP-55 form of 40 hex digits: a letter is capital where that nibble of the
    Keccak-256 of the lower-case digits is 8 or more."""
    lower = hex40.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


def _evm(chain: str, address: str) -> str | None:
    if not address.startswith("0x"):
        return f"an address on {chain} is 0x followed by 40 hex digits, and this one does not start with 0x"
    digits = address[2:]
    bad = next((i for i, c in enumerate(digits) if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        return f"'{digits[bad]}' (character {bad + 3}) is not a hex digit (0-9, a-f): a character is mistyped"
    if len(digits) != 40:
        off = len(digits) - 40
        what = (("a digit is missing" if off == -1 else f"{-off} digits are missing") if off < 0
                else ("one digit is extra" if off == 1 else f"{off} digits are extra"))
        return f"it has {len(digits)} hex digits after 0x where an address on {chain} has 40: {what}"
    if digits != digits.lower() and digits != digits.upper() and digits != eip55(digits):
        # Never show the checksum these digits would need: with a mistyped digit, copying it would pass.
        return f"{MISTYPED} (its mix of capital and small letters is an EIP-55 checksum)"
    return None


def base58_decode(text: str) -> bytes:
    """Base58 (Bitcoin alphabet) to bytes; every leading '1' is a zero byte."""
    number = 0
    for char in text:
        number = number * 58 + _BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def base58check_encode(payload: bytes) -> str:
    """Payload plus its four-byte double-SHA-256 checksum, in Base58 (how example addresses are made)."""
    data = payload + _checksum(payload)
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _BASE58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _checksum(payload: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]


def _base58_problem(address: str, network: str) -> str | None:
    bad = next((i for i, c in enumerate(address) if c not in _BASE58), None)
    if bad is not None:
        return (f"'{address[bad]}' (character {bad + 1}) is never in {network} addresses "
                "(they leave out 0, O, I and l so that none is mistaken for another): a character is mistyped")
    return None


def _tron(address: str) -> str | None:
    problem = _base58_problem(address, "TRON")
    if problem:
        return problem
    if len(address) != 34:
        off = abs(len(address) - 34)
        if len(address) < 34:
            what = "a character is missing" if off == 1 else f"{off} characters are missing"
        else:
            what = "a character is extra" if off == 1 else f"{off} characters are extra"
        return f"it has {len(address)} characters where a TRON address has 34: {what}"
    data = base58_decode(address)
    if len(data) != 25:
        return f"it decodes to {len(data)} bytes, where a TRON address has 25: a character is mistyped"
    if data[0] != 0x41:
        return (f"it is not a TRON address: its first byte is 0x{data[0]:02x}, where a TRON address has 0x41 "
                "(a character is mistyped)")
    if _checksum(data[:21]) != data[21:]:
        return MISTYPED
    return None


def _bitcoin(address: str) -> str | None:
    if address[:3].lower() == "bc1":
        return _segwit(address)
    if address[:1] not in ("1", "3"):
        return "it is not a Bitcoin address: those start with 1, 3 or bc1"
    problem = _base58_problem(address, "Bitcoin")
    if problem:
        return problem
    data = base58_decode(address)
    if len(data) != 25:
        return (f"it decodes to {len(data)} bytes, where a Bitcoin address starting with {address[0]} has 25: "
                "a character is missing or extra")
    if _checksum(data[:21]) != data[21:]:
        return MISTYPED
    return None


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def _segwit(address: str) -> str | None:
    if address != address.lower() and address != address.upper():
        return "it mixes capital and small letters; a bc1 address is written all in one case"
    text = address.lower()
    data_part = text[3:]
    bad = next((i for i, c in enumerate(data_part) if c not in _BECH32), None)
    if bad is not None:
        return (f"'{data_part[bad]}' (character {bad + 4}) is never in bc1 addresses "
                "(they leave out 1, b, i and o): a character is mistyped")
    if len(data_part) < 7:
        return "it is too short for a bc1 address: characters are missing"
    values = [_BECH32.index(c) for c in data_part]
    version = values[0]
    expanded = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    constant = _polymod(expanded + values)
    if constant not in (1, _BECH32M_CONST) or (constant == 1) != (version == 0):
        return MISTYPED
    program = _regroup(values[1:-6])
    if version > 16 or program is None or not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        return "its length does not fit a bc1 address of its version: a character is missing or extra"
    return None


def _regroup(values: list[int]) -> bytes | None:
    """5-bit groups to bytes; None when the padding is not zeros (as BIP 173 requires)."""
    acc = bits = 0
    out = bytearray()
    for value in values:
        acc = (acc << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        return None
    return bytes(out)
