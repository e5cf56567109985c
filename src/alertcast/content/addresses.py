"""Scam addresses checked the way wallets check them, so a typo never reaches the blocklist.

An address with a digit missing or a character mistyped blocks nothing and warns nobody; the
real scam address stays unblocked. Where a chain's format can be checked exactly, `address_problem`
does it, with the codecs of well-kept libraries (Keccak-256 from pycryptodome, Base58 from
`base58`, Bech32/Bech32m from embit's copy of the BIP 173/350 reference code) and messages of
its own that say which character is wrong:

- EVM chains (EVM_CHAINS): `0x` and 40 hex digits; when letters are mixed case, the EIP-55
  checksum that the case encodes must hold. All lower (or all upper) case carries no checksum.
- TRON: Base58Check of 25 bytes, the first 0x41 (so the address starts with T), the last four
  the double-SHA-256 checksum of the rest.
- Bitcoin (`btc`): Base58Check P2PKH (starts with 1) or P2SH (3), or a SegWit address
  (`bc1…`, Bech32 for version 0, Bech32m for versions 1 to 16; BIP 173 and BIP 350).

Other chains keep the general `chain:address` form check.
"""

from __future__ import annotations

import base58
from embit import bech32

EVM_CHAINS = ("eth", "bsc", "polygon", "arbitrum", "optimism", "base", "avalanche")
CHECKED_CHAINS = EVM_CHAINS + ("tron", "btc")

_BASE58 = base58.BITCOIN_ALPHABET.decode("ascii")
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
    from Crypto.Hash import keccak  # only when an address is checked: it loads a C library

    lower = hex40.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
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
    data = base58.b58decode(address)
    if len(data) != 25:
        return f"it decodes to {len(data)} bytes, where a TRON address has 25: a character is mistyped"
    if data[0] != 0x41:
        return (f"it is not a TRON address: its first byte is 0x{data[0]:02x}, where a TRON address has 0x41 "
                "(a character is mistyped)")
    return _checksum_problem(address)


def _bitcoin(address: str) -> str | None:
    if address[:3].lower() == "bc1":
        return _segwit(address)
    if address[:1] not in ("1", "3"):
        return "it is not a Bitcoin address: those start with 1, 3 or bc1"
    problem = _base58_problem(address, "Bitcoin")
    if problem:
        return problem
    data = base58.b58decode(address)
    if len(data) != 25:
        return (f"it decodes to {len(data)} bytes, where a Bitcoin address starting with {address[0]} has 25: "
                "a character is missing or extra")
    return _checksum_problem(address)


def _checksum_problem(address: str) -> str | None:
    """MISTYPED unless the last four bytes are the double-SHA-256 checksum of the rest."""
    try:
        base58.b58decode_check(address)
    except ValueError:
        return MISTYPED
    return None


def _segwit(address: str) -> str | None:
    if address != address.lower() and address != address.upper():
        return "it mixes capital and small letters; a bc1 address is written all in one case"
    text = address.lower()
    data_part = text[3:]
    bad = next((i for i, c in enumerate(data_part) if c not in bech32.CHARSET), None)
    if bad is not None:
        return (f"'{data_part[bad]}' (character {bad + 4}) is never in bc1 addresses "
                "(they leave out 1, b, i and o): a character is mistyped")
    if len(data_part) < 7:
        return "it is too short for a bc1 address: characters are missing"
    encoding, _, values = bech32.bech32_decode(text)
    # Version 0 is written in Bech32, every later version in Bech32m (BIP 350): the other one is a typo.
    if encoding is None or (encoding == bech32.Encoding.BECH32) != (values[0] == 0):
        return MISTYPED
    if bech32.decode("bc", text) == (None, None):
        return "its length does not fit a bc1 address of its version: a character is missing or extra"
    return None
