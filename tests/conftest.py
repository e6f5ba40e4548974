import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 takes ~0.3 s per user on these machines; tests don't need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db):
    return factories.CityFactory()


@pytest.fixture
def district(city):
    return factories.DistrictFactory(parent=city, code="320102", name="玄武区")


@pytest.fixture
def other_district(city):
    return factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
