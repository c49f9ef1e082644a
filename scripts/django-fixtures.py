#!/usr/bin/python3
"""Regenerates the Django-made test fixtures (not run by CI; needs Debian's Django).

    apt-get install -y python3-django python3-argon2 python3-bcrypt python3-django-allauth
    /usr/bin/python3 scripts/django-fixtures.py

Writes, with real Django (3.2 on Debian bookworm) and django-allauth (0.51):
  test/fixtures/django-hashes.json  known answers: (username, password, hash) for every hasher we verify,
                                    each checked by Django's own check_password before it is written
  test/fixtures/django-dump.json    `manage.py dumpdata auth.user account.emailaddress
                                    socialaccount.socialaccount --natural-foreign` of a throwaway project
  test/fixtures/django-dump.passwords.json  the dump's users and their plain passwords, for the e2e test

Django 3.2 has no scrypt hasher (it came in 4.0): ScryptPasswordHasher below is Django 4.0's, copied
(it only calls hashlib.scrypt), and its vectors are checked with the same code.
"""
import base64
import hashlib
import json
import os
import sys
import tempfile

import django
from django.conf import settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "test", "fixtures")
TMP = tempfile.mkdtemp(prefix="django-fixtures-")

settings.configure(
    DEBUG=False,
    SECRET_KEY="throwaway",
    USE_TZ=True,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(TMP, "db.sqlite3")}},
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sites",
        "allauth",
        "allauth.account",
        "allauth.socialaccount",
        "allauth.socialaccount.providers.github",
        "allauth.socialaccount.providers.google",
    ],
    SITE_ID=1,
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.SHA1PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ],
)
django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.utils.crypto import constant_time_compare  # noqa: E402


class ScryptPasswordHasher(hashers.BasePasswordHasher):
    """Django 4.0's django.contrib.auth.hashers.ScryptPasswordHasher (encode/verify), copied verbatim."""

    algorithm = "scrypt"
    block_size = 8
    maxmem = 0
    parallelism = 1
    work_factor = 2 ** 14

    def encode(self, password, salt, n=None, r=None, p=None):
        n = n or self.work_factor
        r = r or self.block_size
        p = p or self.parallelism
        hash_ = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=self.maxmem, dklen=64)
        hash_ = base64.b64encode(hash_).decode("ascii").strip()
        return "%s$%d$%s$%d$%d$%s" % (self.algorithm, n, salt, r, p, hash_)

    def verify(self, password, encoded):
        algorithm, work_factor, salt, block_size, parallelism, _ = encoded.split("$", 6)
        encoded_2 = self.encode(password, salt, int(work_factor), int(block_size), int(parallelism))
        return constant_time_compare(encoded, encoded_2)


def pbkdf2(cls, iterations):
    return type("PBKDF2_%d" % iterations, (cls,), {"iterations": iterations})()


def argon2(type_name, memory_cost, time_cost, parallelism):
    import argon2 as lib

    hasher = type(
        "Argon2", (hashers.Argon2PasswordHasher,),
        {"memory_cost": memory_cost, "time_cost": time_cost, "parallelism": parallelism},
    )()
    # Django 3.2 always makes argon2id; older Django made argon2i (1.10-3.1), selected by the type here.
    hasher.params = lambda: lib.Parameters(
        type=getattr(lib.Type, type_name.upper()), version=19, salt_len=16, hash_len=32,
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
    )
    return hasher


def bcrypt(cls, rounds):
    return type("BCrypt_%d" % rounds, (cls,), {"rounds": rounds})()


PASSWORDS = ["letmein", "lètmein ünïcode 🔑", "", "p" * 100, "pass word$with$dollars", "O'Brien\"; --"]

# (label, hasher, passwords): every supported algorithm at Django's defaults and at the counts that matter.
CASES = [
    ("pbkdf2_sha256 Django 3.2 default (260000)", hashers.PBKDF2PasswordHasher(), PASSWORDS[:2]),
    ("pbkdf2_sha256 at our cap (100000)", pbkdf2(hashers.PBKDF2PasswordHasher, 100000), PASSWORDS[:1]),
    ("pbkdf2_sha256 just above the cap (100001)", pbkdf2(hashers.PBKDF2PasswordHasher, 100001), PASSWORDS[:1]),
    ("pbkdf2_sha256 Django 1.11 (36000)", pbkdf2(hashers.PBKDF2PasswordHasher, 36000), PASSWORDS[5:6]),
    ("pbkdf2_sha256 Django 5.2 default (1000000)", pbkdf2(hashers.PBKDF2PasswordHasher, 1000000), PASSWORDS[1:2]),
    ("pbkdf2_sha1 Django 3.2 default (260000)", hashers.PBKDF2SHA1PasswordHasher(), PASSWORDS[:1]),
    ("pbkdf2_sha1 under the cap (20000)", pbkdf2(hashers.PBKDF2SHA1PasswordHasher, 20000), PASSWORDS[1:3]),
    ("argon2id Django 3.2 default (m=102400,t=2,p=8)", hashers.Argon2PasswordHasher(), PASSWORDS[:1]),
    ("argon2i Django 1.10-3.1 default (m=512,t=2,p=2)", argon2("i", 512, 2, 2), PASSWORDS[1:3]),
    ("argon2id small (m=1024,t=3,p=1)", argon2("id", 1024, 3, 1), PASSWORDS[4:5]),
    ("bcrypt_sha256 Django default (12 rounds)", hashers.BCryptSHA256PasswordHasher(), PASSWORDS[:1]),
    ("bcrypt_sha256 5 rounds", bcrypt(hashers.BCryptSHA256PasswordHasher, 5), PASSWORDS[1:4]),
    ("bcrypt Django default (12 rounds)", hashers.BCryptPasswordHasher(), PASSWORDS[:1]),
    ("bcrypt 5 rounds (passwords past 72 bytes are truncated)", bcrypt(hashers.BCryptPasswordHasher, 5), PASSWORDS[1:4]),
    ("scrypt Django 4.0 default (N=16384,r=8,p=1)", ScryptPasswordHasher(), PASSWORDS[:1]),
    ("scrypt N=1024,r=4,p=2", type("S", (ScryptPasswordHasher,), {"work_factor": 1024, "block_size": 4, "parallelism": 2})(), PASSWORDS[1:3]),
]

# Hashes Django can verify but we do not (no well-kept Workers implementation worth the bytes, or insecure).
UNSUPPORTED = [
    ("sha1 (unsupported)", hashers.SHA1PasswordHasher(), "letmein"),
    ("md5 (unsupported)", hashers.MD5PasswordHasher(), "letmein"),
]


def check(hasher, password, encoded):
    ok = hasher.verify(password, encoded) if isinstance(hasher, ScryptPasswordHasher) else check_password(password, encoded)
    if not ok:
        sys.exit("Django does not verify its own vector: %s" % encoded)


def vectors():
    out = []
    n = 0
    for label, hasher, passwords in CASES:
        for password in passwords:
            n += 1
            encoded = hasher.encode(password, hasher.salt())
            check(hasher, password, encoded)
            out.append({"label": label, "username": "user%d" % n, "password": password, "hash": encoded, "supported": True})
    # argon2 without "v=": hashes from argon2-cffi before version 16.0 (Django 1.10), version 0x10.
    import argon2 as lib
    legacy = "argon2" + lib.low_level.hash_secret(
        b"letmein", b"legacysalt12", time_cost=2, memory_cost=512, parallelism=2, hash_len=16,
        type=lib.Type.I, version=16,
    ).decode().replace("$v=16", "")
    check(None, "letmein", legacy)
    out.append({"label": "argon2i version 0x10, no v= field (argon2-cffi < 16)", "username": "legacyargon2",
                "password": "letmein", "hash": legacy, "supported": True})
    for label, hasher, password in UNSUPPORTED:
        encoded = hasher.encode(password, hasher.salt())
        check(hasher, password, encoded)
        out.append({"label": label, "username": hasher.algorithm, "password": password, "hash": encoded, "supported": False})
    unusable = make_password(None)
    out.append({"label": "unusable (make_password(None))", "username": "unusable", "password": "", "hash": unusable, "supported": False})
    return out


def dump():
    """A small project's users, addresses and social accounts, then dumpdata exactly as the README says."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    users = {}

    def user(username, password, hasher, email="", **fields):
        u = User(username=username, email=email, **fields)
        u.password = hasher.encode(password, hasher.salt()) if password is not None else make_password(None)
        u.save()
        users[username] = {"password": password, "hash": u.password}
        return u

    alice = user("alice", "alice pässword 1", hashers.PBKDF2PasswordHasher(), "alice@example.com",
                 first_name="Alice", last_name="O'Brien", last_login=timezone.now())
    bob = user("bob", "bob's secret 2", bcrypt(hashers.BCryptSHA256PasswordHasher, 10), "bob@example.com",
               first_name="Bob 🚀", last_name="'); DROP TABLE users;--")
    carol = user("carol", "carol argon2 3", argon2("id", 4096, 2, 2), "carol@example.com", first_name="Zoë")
    dave = user("dave", "dave inactive 4", hashers.PBKDF2PasswordHasher(), "dave@example.com", is_active=False)
    erin = user("erin", None, None, "erin@example.com")
    frank = user("frank", "frank secondary 5", pbkdf2(hashers.PBKDF2SHA1PasswordHasher, 1000), "Frank@Example.com")
    user("ALICE", "shadow", hashers.PBKDF2PasswordHasher(), "")  # same username as alice, case-insensitively
    user("bad name", "spaces", hashers.PBKDF2PasswordHasher(), "badname@example.com")  # not a valid username
    grace = user("grace", "grace md5 6", hashers.MD5PasswordHasher(), "grace@example.com")
    user("heidi", "heidi no address 7", hashers.PBKDF2PasswordHasher(), "heidi@example.com", is_superuser=True, is_staff=True)

    EmailAddress.objects.create(user=alice, email="alice@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=bob, email="bob@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=carol, email="carol@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=dave, email="dave@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=erin, email="erin@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=frank, email="frank.old@example.com", verified=True, primary=False)
    EmailAddress.objects.create(user=frank, email="Frank@Example.com", verified=False, primary=True)
    # allauth's unique constraint is case-sensitive: this is a second owner of alice's address.
    EmailAddress.objects.create(user=grace, email="ALICE@example.com", verified=True, primary=True)
    SocialAccount.objects.create(user=erin, provider="google", uid="109876543210",
                                 extra_data={"email": "erin@example.com", "name": "Erin 'E' Ünal", "email_verified": True})
    SocialAccount.objects.create(user=alice, provider="github", uid="4242",
                                 extra_data={"login": "alice", "bio": "quotes ' \" and \\ backslashes; -- comment"})
    out = os.path.join(TMP, "dump.json")
    call_command("dumpdata", "auth.user", "account.emailaddress", "socialaccount.socialaccount",
                 natural_foreign=True, indent=1, output=out, verbosity=0)
    with open(out, encoding="utf-8") as f:
        return f.read(), users


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    meta = {"generator": "scripts/django-fixtures.py", "django": django.get_version()}
    with open(os.path.join(FIXTURES, "django-hashes.json"), "w", encoding="utf-8") as f:
        json.dump({**meta, "vectors": vectors()}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    text, users = dump()
    with open(os.path.join(FIXTURES, "django-dump.json"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(FIXTURES, "django-dump.passwords.json"), "w", encoding="utf-8") as f:
        json.dump({**meta, "users": users}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", FIXTURES)


if __name__ == "__main__":
    main()
