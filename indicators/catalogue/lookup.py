"""The catalogue as every import sees it: indicators, targets, people, themes, service areas and teams.

Read once per import (`Catalogue.load`, a fixed number of queries), so that a
file of thousands of rows finds its indicators by code or title and its people
by username, email or initials without a query per row. Who may import, and
how an imported change is saved with its history, are here too: the imports of
figures (`returns.imports`), comparators and populations (`benchmarks`) and of
the catalogue itself (`indicators.imports`) all stand on this module.
"""

from dataclasses import dataclass, field

from indicators.catalogue import cells
from indicators.models import Indicator, ServiceArea, Target, Team, Theme
from kpiportal.accounts.models import User
from kpiportal.imports import CREATED, ImportRefused, ImportReport


def check_can_import(by) -> None:
    """The performance team imports; `by=None` is the command line, run by whoever runs the server."""
    if by is not None and not by.has_perm("indicators.import_data"):
        raise ImportRefused("Only the performance team can import files")


@dataclass
class Catalogue:
    """Indicators, targets, people, themes, service areas and teams, read in a fixed number of queries.

    New themes and service areas that an import needs are made here (unsaved)
    so that every row naming one shares the same object.
    """

    indicators: dict[str, Indicator] = field(default_factory=dict)
    titles: dict[str, list[Indicator]] = field(default_factory=dict)
    targets: dict[tuple[int, int], Target] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    initials: dict[str, list[User]] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    service_areas: dict[str, ServiceArea] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    new_objects: list = field(default_factory=list)
    next_position: int = 0
    unsectioned: list[str] = field(default_factory=list)

    @classmethod
    def load(cls) -> "Catalogue":
        catalogue = cls()
        for indicator in Indicator.objects.select_related("theme", "service_area", "responsible_officer"):
            catalogue.indicators[cells.code_key(indicator.code)] = indicator
            catalogue.titles.setdefault(cells.title_key(indicator.title), []).append(indicator)
            catalogue.next_position = max(catalogue.next_position, indicator.position + 1)
        for target in Target.objects.all():
            catalogue.targets[(target.indicator_id, target.financial_year)] = target
        for user in User.objects.filter(is_active=True):
            catalogue.users[user.username.casefold()] = user
            if user.email:
                catalogue.users.setdefault(user.email.casefold(), user)
            if user.initials:
                catalogue.initials.setdefault(user.initials.upper(), []).append(user)
        catalogue.themes = {t.name.casefold(): t for t in Theme.objects.all()}
        catalogue.service_areas = {s.name.casefold(): s for s in ServiceArea.objects.all()}
        catalogue.teams = {t.name.casefold(): t for t in Team.objects.all()}
        return catalogue

    def indicator(self, code: str) -> Indicator | None:
        return self.indicators.get(cells.code_key(code))

    def indicator_by_title(self, title: str) -> Indicator | None:
        found = self.titles.get(cells.title_key(title), [])
        return found[0] if len(found) == 1 else None

    def user(self, text: str) -> User:
        """A person named by username, email or initials; CellError when nobody (or several people) match."""
        key = text.strip()
        user = self.users.get(key.casefold())
        if user is not None:
            return user
        matches = self.initials.get(key.upper(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise cells.CellError(f"'{key}' are the initials of {len(matches)} users: give the username instead")
        raise cells.CellError(
            f"'{key}' is not a user of the portal (give a username, email or initials of an existing user)"
        )

    def team(self, name: str) -> Team | None:
        return self.teams.get(name.strip().casefold())

    def theme(self, name: str, report: ImportReport) -> Theme:
        key = name.strip().casefold()
        if key not in self.themes:
            position = max((t.position for t in self.themes.values()), default=-1) + 1
            self.themes[key] = Theme(name=name.strip(), position=position)
            self.new_objects.append(self.themes[key])
            report.add(CREATED, "theme", name.strip())
        return self.themes[key]

    def service_area(self, name: str, report: ImportReport) -> ServiceArea:
        key = name.strip().casefold()
        if key not in self.service_areas:
            self.service_areas[key] = ServiceArea(name=name.strip())
            self.new_objects.append(self.service_areas[key])
            report.add(CREATED, "service area", name.strip())
        return self.service_areas[key]

    def add_indicator(self, indicator: Indicator) -> None:
        self.indicators[cells.code_key(indicator.code)] = indicator
        self.titles.setdefault(cells.title_key(indicator.title), []).append(indicator)


def save_with_history(obj, by, reason: str, update_fields=None) -> None:
    """Save with the importing user and a reason on the history record."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save(update_fields=update_fields)
