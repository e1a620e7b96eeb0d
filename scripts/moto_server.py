"""moto's server, with one fix for multi-region keys.

moto 5.2.5 writes the key id into a fixed 36-byte field of its (made-up) ciphertext format, which cuts a
multi-region key id (`mrk-` and 32 hex digits, 36 characters, or longer) only when it is longer; its
Decrypt then looks up a key that does not exist. This widens the field and strips the padding, so a
ciphertext sealed under a multi-region key in one region opens under its replica in another, as in AWS.
Nothing else of moto changes. Run with the venv's python: python moto_server.py -H 127.0.0.1 -p PORT
"""
import struct

from moto.kms import utils

utils.KEY_ID_LEN = 64
utils.HEADER_LEN = utils.KEY_ID_LEN + utils.IV_LEN + utils.TAG_LEN
utils.CIPHERTEXT_HEADER_FORMAT = f">{utils.KEY_ID_LEN}s{utils.IV_LEN}s{utils.TAG_LEN}s"


def _deserialize_ciphertext_blob(ciphertext_blob: bytes) -> utils.Ciphertext:
    header = ciphertext_blob[: utils.HEADER_LEN]
    key_id, iv, tag = struct.unpack(utils.CIPHERTEXT_HEADER_FORMAT, header)
    return utils.Ciphertext(
        key_id=key_id.rstrip(b"\0").decode("utf-8"),
        iv=iv,
        ciphertext=ciphertext_blob[utils.HEADER_LEN :],
        tag=tag,
    )


utils._deserialize_ciphertext_blob = _deserialize_ciphertext_blob

if __name__ == "__main__":
    from moto.server import main

    main()
