import pytest

from tests import factories


@pytest.fixture
def city(db):
    return factories.CityFactory()


@pytest.fixture
def district(city):
    return factories.DistrictFactory(parent=city, code="320102", name="玄武区")


@pytest.fixture
def other_district(city):
    return factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
