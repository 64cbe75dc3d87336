"""Start the three simulated back ends together, plus a small control port to switch their faults.

`POST /faults {"backend": "payment", "fault": "slow", "slow_seconds": 3}` sets a fault;
`GET /faults` lists every back end's fault and counters. Loopback only: it is a demo and test tool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from onevisit.simulators.legacy import HttpSim, SimHandler
from onevisit.simulators.legacy.files import FileSim
from onevisit.simulators.legacy.ledger import FAULTS, Ledger, load_field_sets, load_population
from onevisit.simulators.legacy.rest import RestSim
from onevisit.simulators.legacy.soap import SoapSim

Sim = SoapSim | RestSim | FileSim


@dataclass
class Sims:
    soap: SoapSim
    rest: RestSim
    files: FileSim
    control: ControlServer
    by_backend: dict[str, Sim] = field(default_factory=dict)

    def set_fault(self, backend: str, fault: str, *, slow_seconds: float | None = None) -> None:
        if backend not in self.by_backend:
            raise KeyError(backend)
        ledger = self.by_backend[backend].ledger
        ledger.fault = fault
        if slow_seconds is not None:
            ledger.slow_seconds = float(slow_seconds)

    def status(self) -> dict[str, dict[str, Any]]:
        return {
            code: {"address": sim.address, **sim.ledger.snapshot()} for code, sim in self.by_backend.items()
        }

    def stop(self) -> None:
        for server in (self.control, self.soap, self.rest, self.files):
            server.stop()

    def __enter__(self) -> Sims:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ControlHandler(SimHandler):
    @property
    def sims(self) -> Sims:
        return self.server.sim.sims  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        if urlsplit(self.path).path != "/faults":
            self.answer_json(404, {"detail": "没有这个接口"})
            return
        self.answer_json(200, self.sims.status())

    def do_POST(self) -> None:
        body = self.read_body()
        if body is None:
            return
        if urlsplit(self.path).path != "/faults":
            self.answer_json(404, {"detail": "没有这个接口"})
            return
        try:
            order = json.loads(body)
            backend, fault = order["backend"], order["fault"]
            slow = order.get("slow_seconds")
            slow = None if slow is None else float(slow)
        except (ValueError, TypeError, KeyError, AttributeError):
            self.answer_json(400, {"detail": '需要 JSON {"backend": …, "fault": …, "slow_seconds": 可选}'})
            return
        if backend not in self.sims.by_backend:
            self.answer_json(400, {"detail": f"未知后端 {backend}；可选 {', '.join(self.sims.by_backend)}"})
            return
        if fault not in FAULTS:
            self.answer_json(400, {"detail": f"未知故障 {fault}；可选 {', '.join(FAULTS)}"})
            return
        self.sims.set_fault(backend, fault, slow_seconds=slow)
        self.answer_json(200, {backend: self.sims.status()[backend]})


class ControlServer(HttpSim):
    handler = _ControlHandler

    def __init__(self, sims: Sims | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ledger=None, host=host, port=port)  # type: ignore[arg-type]
        self.sims = sims


REPO_DATA = Path(__file__).resolve().parents[4] / "data" / "ferry"


def demo_data_dir(given: str | Path | None = None) -> Path:
    """`given`, else data/ferry under the working directory, else the one beside the source tree: the folder
    with population.yaml and field-sets.yaml."""
    for candidate in [Path(given)] if given else [Path("data/ferry"), REPO_DATA]:
        if (candidate / "population.yaml").is_file() and (candidate / "field-sets.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"{given or 'data/ferry'}: population.yaml and field-sets.yaml not found")


def demo_ledger(code: str, keys: Callable[[str], bytes], data: str | Path | None = None) -> Ledger:
    """The ledger the simulator of back end `code` would run, from the demo data."""
    folder = demo_data_dir(data)
    reply_fields, backends = load_field_sets(folder / "field-sets.yaml")
    spec = next((b for b in backends if b.get("code") == code), None)
    if spec is None:
        raise ValueError(f"{folder / 'field-sets.yaml'} names no back end {code!r}")
    served = {fs: reply_fields[fs] for fs in spec.get("field_sets", []) if fs in reply_fields}
    return Ledger(code, keys(code), load_population(folder / "population.yaml"), served)


def start_all(
    *,
    population_path: str | Path,
    field_sets_path: str | Path,
    keys: Callable[[str], bytes],
    api_key: str,
    soap_port: int = 0,
    rest_port: int = 0,
    exchange_dir: str | Path,
    control_port: int = 0,
    host: str = "127.0.0.1",
) -> Sims:
    """One simulator per interface style named in field-sets.yaml (soap, rest, files), each with its ledger."""
    population = load_population(population_path)
    reply_fields, backends = load_field_sets(field_sets_path)
    by_style: dict[str, dict[str, Any]] = {}
    for backend in backends:
        if backend["style"] in by_style:
            raise ValueError(f"two back ends with style {backend['style']}: the simulator runs one of each")
        by_style[backend["style"]] = backend
    missing = {"soap", "rest", "files"} - set(by_style)
    if missing:
        raise ValueError(f"field-sets.yaml names no back end with style {', '.join(sorted(missing))}")

    def ledger(style: str) -> Ledger:
        code = by_style[style]["code"]
        served = {fs: reply_fields[fs] for fs in by_style[style].get("field_sets", [])}
        return Ledger(code, keys(code), population, served)

    started: list[HttpSim | FileSim] = []
    try:
        soap = SoapSim(ledger("soap"), host=host, port=soap_port).start()
        started.append(soap)
        rest = RestSim(ledger("rest"), api_key=api_key, host=host, port=rest_port).start()
        started.append(rest)
        files = FileSim(ledger("files"), exchange_dir).start()
        started.append(files)
        control = ControlServer(host=host, port=control_port)
        sims = Sims(
            soap=soap,
            rest=rest,
            files=files,
            control=control,
            by_backend={sim.ledger.backend: sim for sim in (soap, rest, files)},
        )
        control.sims = sims
        control.start()
    except BaseException:
        for sim in started:
            sim.stop()
        raise
    return sims
