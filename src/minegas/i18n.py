"""User-facing labels in Chinese and English.

The interface speaks both languages: ``lang`` is ``zh``, ``en`` or ``both`` (default, "中文 English"), chosen by
the CLI's ``--lang`` option or the ``MINEGAS_LANG`` environment variable. Labels live in one table so that
reports, the CLI and (later) the web pages use the same words.
"""

from __future__ import annotations

import os
from typing import Literal

Lang = Literal["zh", "en", "both"]

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "ch4_volume": ("甲烷纯量", "pure CH4 volume"),
    "ch4_mass": ("甲烷质量", "CH4 mass"),
    "co2e_gross": ("二氧化碳当量(总)", "CO2e (gross)"),
    "co2e_net": ("二氧化碳当量(扣除燃烧CO2)", "CO2e (net of combustion CO2)"),
    "energy_lhv": ("热量(低位发热量)", "energy (LHV)"),
    "tce_hv": ("折标准煤(按热值)", "standard coal (by heating value)"),
    "ref_state": ("参比状态", "reference state"),
    "density": ("甲烷密度", "CH4 density"),
    "gwp": ("全球增温潜势", "GWP"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "quantity": ("项目", "quantity"),
    "source": ("来源", "source"),
    "data_home": ("数据目录", "data home"),
    "registry_db": ("登记数据库", "registry database"),
    "store": ("监测数据仓库", "measurement store"),
    "initialised": ("已初始化", "initialised"),
    "error": ("错误", "error"),
    "rejected": ("输入被拒绝", "input rejected"),
    "mines": ("煤矿", "mines"),
    "enterprises": ("企业", "enterprises"),
    "counties": ("县(市、区)", "counties"),
    "stations": ("测站", "stations"),
    "points": ("测点", "points"),
    "units": ("利用装置", "utilization units"),
    "gas_class": ("瓦斯等级", "gas class"),
    "gas_class.high": ("高瓦斯", "high-gas"),
    "gas_class.outburst": ("突出", "outburst"),
    "gas_class.low": ("低瓦斯", "low-gas"),
}


def current_lang() -> Lang:
    """The language from ``MINEGAS_LANG`` (zh/en/both), default ``both``."""
    v = os.environ.get("MINEGAS_LANG", "both").lower()
    return v if v in ("zh", "en", "both") else "both"  # type: ignore[return-value]


def label(key: str, lang: Lang | None = None) -> str:
    """The label for ``key`` in ``lang``; unknown keys are returned unchanged."""
    lang = lang or current_lang()
    zh, en = LABELS.get(key, (key, key))
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh} {en}"
