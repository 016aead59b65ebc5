"""Import of teams and 0–17 populations (PRODUCT §8): `team, year, population`.

- `team` blank is the whole authority; a team the portal does not know is
  registered (this import is where teams come from — a figure for an unknown
  team is refused by the figures import).
- `year` is the mid-year estimate (e.g. `2015`); `population` a whole number
  of 0 or more (`43,000` reads). A row with a team and no population only
  registers the team; a row with a population needs a year.
- The same team and year twice in a file is a bad row. A population already
  stored is updated when it differs and left alone when it is the same.
"""

from dataclasses import dataclass

from django.db import transaction

from benchmarks.models import Population
from indicators.catalogue import cells
from indicators.catalogue.lookup import Catalogue, check_can_import, save_with_history
from indicators.models import Team
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets.columns import Column, map_columns
from kpiportal.sheets.table import Table

POPULATION_COLUMNS = (
    Column("team", ("area", "locality", "team name"), required=True),
    Column("year", ("mid year", "mid-year estimate", "mye"), required=False),
    Column("population", ("population 0-17", "0-17 population", "pop", "population aged 0-17"), required=True),
)
WHOLE_AUTHORITY = "whole authority"


@dataclass
class _PopulationRow:
    row: int
    team_name: str
    year: int | None
    population: int | None


def _parse(table: Table, report: ImportReport) -> list[_PopulationRow]:
    header, data = table.rows[0], table.rows[1:]
    mapping = map_columns(header, POPULATION_COLUMNS, data_rows=data)
    report.errors.extend(mapping.errors)
    if mapping.errors:
        return []
    rows = []
    seen: dict[tuple[str, int | None], int] = {}
    for row in data:
        text = mapping.values(row)
        team = text.get("team", "")
        year = population = None
        try:
            year = cells.parse_whole_number(text.get("year", ""))
            if year is not None and not 1990 <= year <= 2100:
                raise cells.CellError(f"'{text['year']}' is not a year (e.g. 2015)")
        except cells.CellError as exc:
            report.error(row.number, mapping.header_of("year"), str(exc))
            continue
        try:
            population = cells.parse_whole_number(text.get("population", ""))
        except cells.CellError as exc:
            report.error(row.number, mapping.header_of("population"), str(exc))
            continue
        if population is not None and year is None:
            report.error(row.number, mapping.header_of("year"), "give the mid-year estimate year of the population")
            continue
        if not team and population is None:
            report.error(row.number, mapping.header_of("population"), "the whole authority's row needs a population")
            continue
        key = (team.casefold(), year if population is not None else None)
        if key in seen:
            who = team or WHOLE_AUTHORITY
            report.error(
                row.number,
                mapping.header_of("year" if year else "team"),
                f"{who} {year or ''} is also on row {seen[key]}".replace("  ", " "),
            )
            continue
        seen[key] = row.number
        rows.append(_PopulationRow(row.number, team, year, population))
    return rows


def populations_import(table: Table, *, by, commit: bool) -> ImportReport:
    """Register teams and record 0–17 populations by year; all or nothing."""
    check_can_import(by)
    report = ImportReport("populations", layout="populations")
    rows = _parse(table, report)
    if report.errors:
        return report
    catalogue = Catalogue.load()
    stored = {(p.team_id, p.year): p for p in Population.objects.all()}
    new_teams: dict[str, Team] = {}
    position = max((t.position for t in catalogue.teams.values()), default=-1) + 1
    to_save: list[Population] = []
    for row in rows:
        if row.team_name and not catalogue.team(row.team_name) and row.team_name.casefold() not in new_teams:
            new_teams[row.team_name.casefold()] = Team(name=row.team_name, position=position)
            position += 1
            report.add(CREATED, "team", row.team_name, row=row.row)
    for row in rows:
        team = None
        if row.team_name:
            team = catalogue.team(row.team_name) or new_teams[row.team_name.casefold()]
        if row.population is None:
            if team is not None and team.pk is not None:
                report.add(UNCHANGED, "team", team.name)
            continue
        who = team.name if team else WHOLE_AUTHORITY
        key = f"{who} {row.year}"
        new_team = team is not None and team.pk is None
        existing = None if new_team else stored.get((team.pk if team else None, row.year))
        if existing is None:
            to_save.append(Population(team=team, year=row.year, population=row.population))
            report.add(CREATED, "population", key, f"{row.population:,}", row.row)
        elif existing.population != row.population:
            report.add(UPDATED, "population", key, f"{existing.population or 0:,} → {row.population:,}", row.row)
            existing.population = row.population
            to_save.append(existing)
        else:
            report.add(UNCHANGED, "population", key)
    if commit:
        with transaction.atomic():
            for team in new_teams.values():
                save_with_history(team, by, "Imported populations")
            for population in to_save:
                save_with_history(population, by, "Imported populations")
        report.written = True
    return report
