"""``ChainMacs`` (the MACs verification computes, with the key's pads hashed once) gives exactly
what ``entry_mac`` and ``chain_hash`` (the standard library's HMAC, which the writers and the
sequencer use) give, for any key and any content: a difference would make verification call an
intact log altered, or pass an altered one."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from cse_portal.audit.models import ChainMacs, chain_hash, entry_mac

# Keys shorter than, as long as and longer than SHA-256's 64-byte block (a longer key is hashed
# first), including the empty key and bytes of every value.
keys = st.binary(min_size=0, max_size=200)
texts = st.text(max_size=500)
hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


@given(key=keys, writer=texts, seq=st.integers(min_value=1), previous=hashes, canonical=texts)
def test_an_entry_mac_is_hmac_sha256(key, writer, seq, previous, canonical):
    expected = entry_mac(key, writer, seq, previous, canonical)
    assert ChainMacs(key).entry_mac(writer, seq, previous, canonical) == expected
    message = f"{writer}\n{seq}\n{previous}\n{canonical}".encode()
    assert expected == hmac.new(key, message, hashlib.sha256).hexdigest()


@given(key=keys, previous=hashes, position=st.integers(min_value=1), mac=hashes)
def test_a_chain_hash_is_hmac_sha256(key, previous, position, mac):
    expected = chain_hash(key, previous, position, mac)
    assert ChainMacs(key).chain_hash(previous, position, mac) == expected
    message = f"{previous}\n{position}\n{mac}".encode()
    assert expected == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_one_instance_gives_each_message_its_own_mac():
    """The padded hashes are copied for each message, never fed one: the same instance gives the
    same MAC for the same message after others, and different MACs for different messages."""
    macs = ChainMacs(b"the key")
    first = macs.chain_hash("0" * 64, 1, "a" * 64)
    second = macs.chain_hash("0" * 64, 2, "a" * 64)
    assert first != second
    assert macs.chain_hash("0" * 64, 1, "a" * 64) == first
    assert first == chain_hash(b"the key", "0" * 64, 1, "a" * 64)
