"""Unique Pupil Numbers: recognise real ones, and pseudonymise pupil identifiers with a keyed hash.

A Unique Pupil Number (UPN) is 13 characters: a check letter, then 11 digits (3-digit LA number,
4-digit establishment number, 2-digit year of allocation, 2 serial digits) and a final serial
character that is a digit (permanent UPN) or a letter (temporary UPN).

Check letter (DfE, "Unique pupil numbers (UPN)" guidance): multiply characters 2 to 13 by the
weights 2 to 13, sum, take the remainder on division by 23, and read the letter at that position
(0-based) of ``ABCDEFGHJKLMNPQRTUVWXYZ`` (the alphabet without I, O and S). A letter in position
13 counts as its 0-based position in that same alphabet (A = 0, B = 1, ..., Z = 22). Example:
``B801200005001`` has the valid check letter B.

A value is treated as a real UPN only if it has that shape **and** its first letter equals the
check letter computed from the other 12 characters; pseudonymised identifiers almost never do.
Values are compared in upper case.

Pseudonymisation replaces every value of every pupil-identifier column (fields flagged
``eah:pupilIdentifier`` in the schemas) with the hexadecimal HMAC-SHA256 of the value under a key
the user supplies, so the same pupil gets the same pseudonym in every table. The key is never
stored on any object, written to any file or printed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

import numpy as np
import pandas as pd

from eah_eval.errors import OptionError, OptionTypeError, check_option

UpnPolicy = Literal["refuse", "pseudonymise"]
UPN_POLICIES: tuple[str, ...] = ("refuse", "pseudonymise")

#: Letters used for the UPN check letter (no I, O or S).
UPN_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_SHAPE = r"[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]"
_WEIGHTS = np.arange(2, 14, dtype=np.int64)

#: Minimum length of a pseudonymisation key, in bytes.
MIN_KEY_BYTES = 16

PSEUDONYMISE_RULE = (
    "pupil identifiers replaced by HMAC-SHA256(key, identifier) in hexadecimal, the key supplied "
    "by the user and never written out"
)

# value of each ASCII character in the weighted sum: digits 0-9, check letters 0-22, else -1
_VALUE = np.full(256, -1, dtype=np.int64)
_VALUE[ord("0") : ord("9") + 1] = np.arange(10)
for _i, _c in enumerate(UPN_CHECK_ALPHABET):
    _VALUE[ord(_c)] = _i


def upn_check_letter(body: str) -> str:
    """Return the DfE check letter for the 12 characters that follow it in a UPN.

    Parameters
    ----------
    body : str
        Characters 2 to 13 of the UPN: 11 digits then a digit or a letter.

    Returns
    -------
    str
        The check letter.

    Raises
    ------
    OptionError
        If ``body`` does not have 11 digits then a digit or check-alphabet letter.

    Examples
    --------
    >>> upn_check_letter("801200005001")
    'B'
    """
    body = body.upper()
    if (
        len(body) != 12
        or not body[:11].isdigit()
        or not (body[11].isdigit() or body[11] in UPN_CHECK_ALPHABET)
    ):
        raise OptionError(
            "a UPN body must be 11 digits then a digit or a letter from "
            f"{UPN_CHECK_ALPHABET}; got {len(body)} characters"
        )
    total = sum(w * int(_VALUE[ord(c)]) for w, c in zip(range(2, 14), body, strict=True))
    return UPN_CHECK_ALPHABET[total % 23]


def is_upn(value: str) -> bool:
    """Return whether ``value`` has the shape of a UPN and a valid check letter."""
    return bool(looks_like_upn(pd.Series([value], dtype=object))[0])


def looks_like_upn(values: pd.Series) -> np.ndarray:
    """Flag the values that are real-looking UPNs (shape and check letter), vectorised.

    Parameters
    ----------
    values : pandas.Series
        Identifier strings; missing values are never flagged.

    Returns
    -------
    numpy.ndarray of bool
        One flag per value.
    """
    out = np.zeros(len(values), dtype=bool)
    if len(values) == 0:
        return out
    text = values.astype(object).where(values.notna(), "").astype(str).str.upper()
    shape = text.str.fullmatch(_UPN_SHAPE).to_numpy(dtype=bool, na_value=False)
    if not shape.any():
        return out
    candidates = text[shape].tolist()
    codes = np.frombuffer("".join(candidates).encode("ascii"), dtype=np.uint8).reshape(-1, 13)
    body = _VALUE[codes[:, 1:]]
    check = (body * _WEIGHTS).sum(axis=1) % 23
    expected = np.frombuffer(UPN_CHECK_ALPHABET.encode("ascii"), dtype=np.uint8)[check]
    out[np.flatnonzero(shape)] = codes[:, 0] == expected
    return out


def normalise_key(key: bytes | str | None) -> bytes:
    """Return the pseudonymisation key as bytes, checking it is present and long enough.

    Raises
    ------
    OptionError
        If the key is missing or shorter than :data:`MIN_KEY_BYTES` bytes (the message never
        shows the key).
    OptionTypeError
        If the key is neither ``bytes`` nor ``str``.
    """
    if key is None:
        raise OptionError(
            "upn_policy='pseudonymise' needs upn_key (a secret of at least "
            f"{MIN_KEY_BYTES} bytes, e.g. read from --upn-key-file); got none"
        )
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes):
        raise OptionTypeError(f"upn_key must be bytes or str; got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise OptionError(
            f"upn_key must be at least {MIN_KEY_BYTES} bytes long; got {len(key)} bytes"
        )
    return key


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Replace identifiers by their keyed hash (HMAC-SHA256, 64 hexadecimal characters).

    Parameters
    ----------
    values : pandas.Series
        Identifier strings; missing or empty values stay as they are.
    key : bytes
        Secret key (see :func:`normalise_key`).

    Returns
    -------
    pandas.Series
        Same index, pseudonyms as strings. Equal inputs give equal pseudonyms, in every table.
    """
    present = values.notna() & (values.astype(object) != "")
    uniques = pd.unique(values[present].astype(str))
    lookup = {
        v: hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in uniques
    }
    out = values.astype(object).copy()
    out[present] = values[present].astype(str).map(lookup)
    return out


def check_upn_policy(policy: object) -> UpnPolicy:
    """Validate the ``upn_policy`` option."""
    return check_option("upn_policy", policy, UPN_POLICIES)  # type: ignore[return-value]
