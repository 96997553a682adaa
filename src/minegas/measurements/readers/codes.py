"""Code tables of the coal-mine monitoring networking files (安全监控联网数据), with Chinese and English names.

Source for every table: research note ``china-monitoring-formats.md`` (shared research), which reads the
MT/T 1201.1-2023-style networking format (煤矿感知数据联网接入规范 第1部分：安全监控) from three independent
open-source implementations (its sources S3, S4, S5). The normative text of MT/T 1201.1 was **not** seen, so
every table carries the confidence the note gives it:

- ``confirmed`` — the note saw it in two or more independent sources;
- ``single`` — one source only;
- ``conflicting`` — the sources disagree (both readings are given, nothing is guessed);
- ``unverified`` — from memory or a garbled excerpt.

Readers never translate codes: files keep the raw code strings and these tables are looked up afterwards
(ingest, QA, reports). Unknown codes are legal input (vendors extend the tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Confidence = Literal["confirmed", "single", "conflicting", "unverified"]


@dataclass(frozen=True)
class Code:
    """One entry of a code table.

    Parameters
    ----------
    code : the code as written in the files (e.g. ``"0022"``, ``"MN"``, ``"001"``).
    zh : Chinese name as used in the sources.
    en : English name.
    confidence : see the module docstring.
    note : alternative names, conflicts, provenance.
    quantity : for sensor types only, a hint of the physical quantity (e.g. ``"ch4_pct"``) that the
        ingest step may use to propose a registry mapping; ``None`` when the sensor is not one minegas uses.
        The file never states the reference state of a flow; that comes from the registry.
    """

    code: str
    zh: str
    en: str
    confidence: Confidence = "confirmed"
    note: str = ""
    quantity: str | None = None

    def label(self, lang: str = "both") -> str:
        """``zh``, ``en`` or both (``"zh en"``)."""
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return f"{self.zh} {self.en}"


def _table(entries: list[Code]) -> dict[str, Code]:
    out = {e.code: e for e in entries}
    assert len(out) == len(entries), "duplicate code"
    return out


# --- 系统编码 (research note §4.1; S4, S5) -------------------------------------------------------------------
SYSTEM_CODES: dict[str, Code] = _table([
    Code("01", "安全监控系统", "safety monitoring system"),
    Code("02", "瓦斯抽放系统", "gas drainage system",
         note="drainage points use the same CDDY/CDSS files with system code 02 (inferred, note §0)"),
])
"""System codes (系统编码, CDDY field 1 and characters 13–14 of a national point code). MT/T 1201.2 uses 30–35
for fan/pump/hoist/compressor/winch systems (note §4.1); their names were not recorded, so they are not listed."""

# --- 数值类型 (note §4.2) --------------------------------------------------------------------------------------
VALUE_TYPES: dict[str, Code] = _table([
    Code("MN", "模拟量", "analog"),
    Code("KG", "开关量", "switch (on/off)"),
    Code("LJ", "累计量", "cumulative (counter)"),
    Code("DT", "多态量", "multi-state"),
])
"""Value types (测点数值类型, CDDY field 4)."""

# --- 传感器类型编码 (note §4.3; 0001–0053, 1001–1015, 3001–3005 confirmed by S4 and S5) ---------------------------
_C: Confidence = "confirmed"
_S: Confidence = "single"
_X: Confidence = "conflicting"
_U: Confidence = "unverified"
SENSOR_TYPES: dict[str, Code] = _table([
    Code("0001", "环境瓦斯", "ambient methane", _C, "S5 names it 甲烷", "ch4_pct"),
    Code("0002", "风速", "air velocity", _C, quantity="air_velocity_m_s"),
    Code("0003", "环境温度", "ambient temperature", _C, quantity="temperature_c"),
    Code("0004", "一氧化碳", "carbon monoxide", _C),
    Code("0005", "风压", "ventilation pressure", _C),
    Code("0006", "负压", "negative (suction) pressure", _C, "drainage pipelines report it as negative gauge",
         "pressure_kpa"),
    Code("0007", "水池水位", "sump water level", _C),
    Code("0008", "煤位", "coal level", _C),
    Code("0009", "硫化氢", "hydrogen sulphide", _C),
    Code("0010", "水温度", "water temperature", _C),
    Code("0011", "高低浓度瓦斯", "high/low-range methane", _C, quantity="ch4_pct"),
    Code("0012", "氧气", "oxygen", _C),
    Code("0013", "二氧化碳", "carbon dioxide", _C),
    Code("0014", "粉尘", "dust", _C),
    Code("0015", "电压", "voltage", _C),
    Code("0016", "频率", "frequency", _C),
    Code("0017", "电流", "current", _C),
    Code("0018", "湿度", "humidity", _C),
    Code("0019", "风量", "air flow", _C, quantity="air_flow_m3_min"),
    Code("0020", "顶板离层位移", "roof separation displacement", _C),
    Code("0021", "坝体位移", "dam displacement", _C),
    Code("0022", "管道瓦斯", "pipeline methane concentration", _C, quantity="ch4_pct"),
    Code("0023", "管道温度", "pipeline temperature", _C, quantity="temperature_c"),
    Code("0024", "水质", "water quality", _C),
    Code("0025", "管道压力", "pipeline pressure", _C, quantity="pressure_kpa"),
    Code("0026", "轴承温度", "bearing temperature", _C),
    Code("0027", "噪声", "noise", _C),
    Code("0028", "电机温度", "motor temperature", _C),
    Code("0029", "水库水位", "reservoir water level", _C),
    Code("0030", "浸润线", "phreatic line", _C),
    Code("0031", "降雨量", "rainfall", _C),
    Code("0032", "液压压力", "hydraulic pressure", _C),
    Code("0033", "围岩应力", "surrounding-rock stress", _C),
    Code("0034", "钻孔应力", "borehole stress", _C),
    Code("0035", "锚杆应力", "rock-bolt stress", _C),
    Code("0036", "混合瓦斯流量", "mixed gas flow", _C, "标况/工况 not stated in the files (note §5)", "flow_m3_min"),
    Code("0037", "纯瓦斯流量", "pure methane flow", _C, "标况/工况 not stated in the files (note §5)",
         "pure_flow_m3_min"),
    Code("0038", "管道一氧化碳", "pipeline carbon monoxide", _C),
    Code("0039", "氢气", "hydrogen", _C),
    Code("0040", "管道流量", "pipeline flow", _C, quantity="flow_m3_min"),
    Code("0041", "二氧化氮", "nitrogen dioxide", _C),
    Code("0042", "二氧化硫", "sulphur dioxide", _C),
    Code("0043", "激光甲烷", "laser methane", _C, quantity="ch4_pct"),
    Code("0044", "氨气", "ammonia", _C),
    Code("0045", "氮气", "nitrogen", _C),
    Code("0046", "乙烯", "ethylene", _C),
    Code("0047", "乙烷", "ethane", _C),
    Code("0048", "压强", "pressure", _C),
    Code("0049", "液位", "liquid level", _C),
    Code("0050", "物位", "material level", _C),
    Code("0051", "开度", "opening (valve position)", _C),
    Code("0052", "高度", "height", _C),
    Code("0053", "流量", "flow", _C),
    Code("0054", "瓦斯实时纯量", "real-time pure methane flow", _S, "S5 only (site or vendor extension?)",
         "pure_flow_m3_min"),
    Code("0055", "瓦斯日累计纯量", "daily cumulative pure methane", _S, "S5 only; reset daily", "pure_cumulative_m3"),
    Code("0056", "瓦斯月累计纯量", "monthly cumulative pure methane", _S, "S5 only; reset monthly",
         "pure_cumulative_m3"),
    # switch (KG) sensors
    Code("1001", "局部通风机", "auxiliary fan", _C),
    Code("1002", "风门", "air door", _C),
    Code("1003", "风筒状态", "ventilation duct state", _C),
    Code("1004", "设备开停", "equipment on/off", _C),
    Code("1005", "开关", "switch", _C),
    Code("1006", "风向", "air direction", _C),
    Code("1007", "煤仓空满", "bunker empty/full", _C),
    Code("1008", "烟雾", "smoke", _C),
    Code("1009", "断电器", "power-cut relay", _C, "0 = 断电 (cut), 1 = 复电 (restored), unlike other KG points"),
    Code("1010", "主通风机", "main fan", _C),
    Code("1011", "馈电器", "feed sensor", _C),
    Code("1012", "声光报警器", "audible/visual alarm", _C),
    Code("1013", "计量开停控制器", "metering on/off controller", _C),
    Code("1014", "控制量", "control output", _C),
    Code("1015", "馈电", "feed state", _C),
    # cumulative (LJ)
    Code("3001", "产量", "coal output", _C),
    Code("3002", "瓦斯抽放量", "drained gas (cumulative)", _C,
         "one deployment sends a running total of mixed gas; resets possible (note §5)", "cumulative_m3"),
    Code("3003", "排水量", "water pumped", _C),
    Code("3004", "钩数", "hoist trips", _C),
    Code("3005", "水流量", "water flow", _C),
    # state classes: S5 numbers them 3006/3007, S4 and S1 4001/4002 (note §4.3) — both accepted
    Code("3006", "分站", "substation", _X, "S5 code; S4/S1 use 4001"),
    Code("3007", "电源状态", "power-supply state", _X, "S5 code; S4 uses 4002"),
    Code("4001", "分站", "substation", _X, "S4/S1 code (preferred); S5 uses 3006"),
    Code("4002", "电源状态", "power-supply state", _X, "S4 code (preferred); S5 uses 3007"),
])
"""Sensor-type codes (传感器类型编码, CDDY field 3; characters 17–20 of a national point code)."""

# --- 测点状态 bitmask (note §4.4; CDSS field 5) ------------------------------------------------------------------
STATUS_BITS: dict[int, Code] = {
    1: Code("1", "报警", "alarm"),
    2: Code("2", "断电", "power cut"),
    4: Code("4", "标校", "calibration"),
    8: Code("8", "超量程", "over range"),
    16: Code("16", "分站故障", "substation fault"),
    32: Code("32", "不巡检", "not polled"),
    64: Code("64", "暂停", "paused"),
    128: Code("128", "传感器故障", "sensor fault"),
}
"""Status bits (测点状态). ``0`` is 正常 (normal). That bits combine (e.g. 3 = alarm + power cut) is inferred from
the powers of two (note §4.4); the QA flags (docs/conventions.md §6) keep the byte as received."""

STATUS_NORMAL = Code("0", "正常", "normal")
STATUS_MAX = 255
"""Largest legal status: the OR of all eight bits. The QA flag word reserves exactly the low byte for it."""


def decode_status(mask: int) -> list[Code]:
    """The status bits set in ``mask`` (0–255), lowest first; ``[STATUS_NORMAL]`` for 0.

    Raises
    ------
    ValueError
        If ``mask`` is outside 0–255.
    """
    if not 0 <= mask <= STATUS_MAX:
        raise ValueError(f"status {mask} is outside 0–{STATUS_MAX}")
    if mask == 0:
        return [STATUS_NORMAL]
    return [c for bit, c in STATUS_BITS.items() if mask & bit]


# --- 异常类型 (note §4.5; YCBJ field 4) ---------------------------------------------------------------------------
EVENT_TYPES: dict[str, Code] = _table([
    Code("001", "超限报警", "over-limit alarm"),
    Code("002", "断电报警", "power-cut alarm"),
    Code("003", "馈电异常", "feed abnormal", note="S5 names it 馈电报警"),
    Code("004", "传感器断线", "sensor disconnected"),
    Code("005", "基站断电", "base station power loss"),
    Code("006", "基站不通", "base station unreachable"),
    Code("007", "标校", "calibration"),
    Code("008", "超量程", "over range"),
    Code("009", "超上限预警", "upper early warning"),
    Code("010", "超下限预警", "lower early warning"),
])
"""Abnormal-event types (异常类型)."""

# --- 测点关联关系 (note §4.6; CDDY field 22; one source, S4 citing "表 B.7") -----------------------------------
RELATION_CODES: dict[str, Code] = _table([
    Code("B", "闭锁", "interlock", _S),
    Code("G", "关联风门", "linked air door", _S),
    Code("K", "控制", "control", _S),
    Code("H", "保护", "protection", _S),
    Code("Z", "主备", "main/standby", _S),
    Code("D", "断电", "power cut", _S),
    Code("T", "调节", "regulation", _S),
])
"""Sensor relation codes (传感器关联关系)."""

# --- 分站状态 (note §4.7; FZSS) -------------------------------------------------------------------------------------
SUBSTATION_RUN_STATES: dict[str, Code] = _table([
    Code("0", "通信正常", "communication normal"),
    Code("1", "通信中断", "communication lost"),
    Code("2", "故障", "fault"),
    Code("9", "未知", "unknown"),
])
"""Substation run states (分站运行状态, FZSS field 1)."""

SUBSTATION_POWER_STATES: dict[str, dict[str, Code]] = {
    "S4-B.9": _table([
        Code("0", "直流", "DC (battery)", _X),
        Code("1", "交流", "AC (mains)", _X),
        Code("2", "电源故障", "power fault", _X),
        Code("9", "未知", "unknown", _X),
    ]),
    "S5": _table([
        Code("1", "直流", "DC (battery)", _X),
        Code("2", "交流", "AC (mains)", _X),
        Code("9", "电源故障", "power fault", _X, "any other code: 未知 unknown"),
    ]),
}
"""Substation power-supply states (分站供电状态, FZSS field 2): the two sources **conflict** (note §4.7), so
both tables are kept by source name and readers store the raw code. Choose the table per mine (registry)."""

KG_POWER_SUPPLY_VALUES: dict[str, Code] = _table([
    Code("0", "无电", "no power", _S),
    Code("1", "交流", "AC", _S),
    Code("2", "直流", "DC", _S),
])
"""Values of a 电源状态 (power-supply state) point (note §4.3, S4)."""

KG_VALUES: dict[str, Code] = _table([
    Code("0", "关/停/无", "off, closed, none", _S, "for 断电器 (1009): 断电 power cut"),
    Code("1", "开/有", "on, open, present", _S, "for 断电器 (1009): 复电 power restored"),
])
"""Meaning of switch (KG) values (note §4.3, S4)."""

# --- DB14/T 671.1 sensor types (note §3.8) ----------------------------------------------------------------------
DB14_SENSOR_TYPES: dict[str, Code] = _table([
    Code("M0101", "甲烷", "methane", _U, "only the sample suggests it (note §6.6)", "ch4_pct"),
    Code("M0104", "一氧化碳", "carbon monoxide", "single", "confirmed by a real sample (note §3.8)"),
])
"""Shanxi DB14/T 671.1 analog sensor types. Groups: M01xx gases, M02xx temperature, M03xx ventilation, M06xx
electrical (the group mapping is unverified; the page excerpt was garbled)."""


def lookup(table: dict[str, Code], code: str | None) -> Code | None:
    """The entry for ``code`` (surrounding whitespace ignored), or ``None`` when unknown or empty."""
    if code is None:
        return None
    return table.get(code.strip())
