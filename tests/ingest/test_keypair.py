"""Key-pair (JWT) authentication: the private key is read from an encrypted PEM and handed to the connector."""

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ingest import snowflake as sf
from ingest.selectors import snowflake_config
from tests.ingest.conftest import PASSPHRASE


def test_encrypted_pem_loads_to_unencrypted_der_of_the_same_key(encrypted_key_file, rsa_private_key):
    der = sf.load_private_key(encrypted_key_file, PASSPHRASE)
    loaded = serialization.load_der_private_key(der, password=None)
    assert loaded.private_numbers() == rsa_private_key.private_numbers()


def test_wrong_passphrase_is_a_clear_error(encrypted_key_file):
    with pytest.raises(sf.SnowflakeKeyError, match="Wrong passphrase"):
        sf.load_private_key(encrypted_key_file, "not the passphrase")


def test_missing_passphrase_for_an_encrypted_key_says_which_setting(encrypted_key_file):
    with pytest.raises(sf.SnowflakeKeyError, match="SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"):
        sf.load_private_key(encrypted_key_file, "")


def test_unencrypted_key_loads_without_passphrase(tmp_path, rsa_private_key):
    path = tmp_path / "plain.p8"
    path.write_bytes(
        rsa_private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    assert serialization.load_der_private_key(sf.load_private_key(path), password=None).key_size == 2048


def test_missing_file_and_non_rsa_keys_are_rejected(tmp_path):
    with pytest.raises(sf.SnowflakeKeyError, match="not found"):
        sf.load_private_key(tmp_path / "nope.p8")
    ec_path = tmp_path / "ec.p8"
    ec_path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(sf.SnowflakeKeyError, match="not an RSA key"):
        sf.load_private_key(ec_path)
    junk = tmp_path / "junk.p8"
    junk.write_text("hello")
    with pytest.raises(sf.SnowflakeKeyError, match="not a PEM private key"):
        sf.load_private_key(junk)


def test_connect_uses_jwt_with_the_key_and_never_a_password(warehouse, rsa_private_key):
    with sf.session(snowflake_config()):
        pass
    kwargs = snowflake.connector.connect.call_args.kwargs  # fakesnow.patch() wraps connect in a mock
    assert kwargs["authenticator"] == "SNOWFLAKE_JWT"
    assert "password" not in kwargs
    assert (kwargs["account"], kwargs["user"], kwargs["role"], kwargs["warehouse"]) == (
        "acme-test", "SYNC_SVC", "SYNC_ROLE", "SYNC_WH",
    )  # fmt: skip
    key = serialization.load_der_private_key(kwargs["private_key"], password=None)
    assert key.private_numbers() == rsa_private_key.private_numbers()


def test_not_configured_names_the_missing_settings(unconfigured):
    with pytest.raises(sf.SnowflakeNotConfigured, match="SNOWFLAKE_ACCOUNT.*SNOWFLAKE_PRIVATE_KEY_PATH"):
        sf.connect(snowflake_config())
