#!/usr/bin/env python3
"""Generates the made-up airport estate (inventory.csv, apps.csv, nmap.xml) deterministically.

Every MAC is drawn from a real IEEE assignment in ../../data/vendors/ieee (checked below);
the airport, its devices, names and addresses are invented. Run: python3 generate.py
"""
import csv, gzip, io, random
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
IEEE = HERE / ".." / ".." / "data" / "vendors" / "ieee"
rng = random.Random(20261122)

registry = {}
for name in ["oui", "mam", "oui36", "iab"]:
    with gzip.open(IEEE / f"{name}.csv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            registry[row["Assignment"].upper()] = row["Organization Name"]

def mac(prefix, *, sep=":"):
    """A MAC inside IEEE assignment `prefix` (6, 7 or 9 hex digits)."""
    assert prefix in registry, prefix
    hexs = prefix + "".join(rng.choice("0123456789ABCDEF") for _ in range(12 - len(prefix)))
    pairs = [hexs[i:i + 2] for i in range(0, 12, 2)]
    if sep == ".":
        return ".".join(hexs[i:i + 4] for i in range(0, 12, 4)).lower()
    if sep == "":
        return hexs.lower()
    return sep.join(pairs)

def randomized():
    b = [rng.randrange(256) for _ in range(6)]
    b[0] = (b[0] | 0x02) & 0xFE
    return ":".join(f"{x:02x}" for x in b)

# (category, count, manufacturer label, model choices, IEEE prefixes, location choices)
T1 = ["Terminal 1 Check-in", "Terminal 1 Security", "Terminal 1 Gate A", "Terminal 2 Security",
      "Terminal 2 Gate B", "Baggage Hall", "Cargo Shed", "Apron", "Car Park P2", "Control Tower"]
FLEET = [
    # Hold-baggage and cabin-bag X-ray, body scanners
    ("baggage scanner", 6, "Nuctech", ["CX100100D", "CX6040BI", "MT1213DE"], ["C09BF4B"], ["Terminal 1 Security", "Baggage Hall"]),
    ("baggage scanner", 3, "STVS", ["CX6040BI"], ["C09BF4B"], ["Terminal 2 Security"]),
    ("baggage scanner", 2, "同方威视", ["MT1213DE"], [None], ["Cargo Shed"]),
    ("baggage scanner", 8, "Smiths Detection", ["HI-SCAN 6040aTiX", "HI-SCAN 10080 EDX-2is"], ["0050C22B2"], ["Terminal 1 Security", "Terminal 2 Security", "Baggage Hall"]),
    ("baggage scanner", 4, "Rapiscan Systems", ["620DV", "920CT"], ["70B3D5CC9"], ["Terminal 2 Security"]),
    ("body scanner", 3, "Nuctech Company Limited", ["HS-2000"], ["C09BF4B"], ["Terminal 1 Security"]),
    ("body scanner", 4, "Leidos", ["ProVision 2"], ["70B3D5E10"], ["Terminal 2 Security"]),
    ("body scanner", 2, "Rohde & Schwarz", ["QPS201"], ["0050C292A"], ["Terminal 1 Security"]),
    # Cameras
    ("camera", 40, "Hikvision", ["DS-2CD2143G2-IS", "DS-2CD2T47G2-L", "DS-2DE4425IW-DE"], ["4447CC", "BCAD28", "94E1AC"], T1),
    ("camera", 6, "EZVIZ", ["CS-C6N", "CS-H8c"], ["64F2FB", "EC97E0"], ["Car Park P2", "Cargo Shed"]),
    ("camera", 24, "Dahua Technology", ["IPC-HDW2431T-AS-S2", "IPC-HFW2431S-S-S2", "IPC-HDBW5442R-ASE"], ["08EDED", "6C1C71", "74C929"], T1),
    ("camera", 4, "Lorex", ["LNB4321"], ["08EDED"], ["Car Park P2"]),
    ("camera", 3, "TruVision", ["TVD-5402"], ["BCAD28"], ["Apron"]),
    ("camera", 45, "Axis Communications", ["P3245-V", "Q6135-LE", "M3106-L Mk II"], ["00408C", "ACCC8E", "B8A44F"], T1),
    ("camera", 20, "Bosch Security Systems", ["FLEXIDOME IP 5000i", "DINION IP 3000i"], ["000463", "001C44"], T1),
    ("camera", 3, "Hanwha Techwin", ["XNV-8080R"], ["E43022"], ["Cargo Shed"]),
    # Recorders
    ("video recorder", 4, "Hikvision", ["DS-7608NI-K2/8P", "DS-7732NI-I4"], ["BCAD28"], ["Control Tower", "Terminal 1 Security"]),
    ("video recorder", 3, "", ["NVR5216-16P-I"], ["6C1C71"], ["Baggage Hall"]),
    # Radios
    ("radio", 18, "Hytera", ["PD785G", "PD985", "HP785"], ["9C066E", "6469BC"], ["Apron", "Baggage Hall", "Terminal 1 Security"]),
    ("radio", 10, "Sepura", ["SC20", "STP9000"], ["001E96"], ["Apron", "Control Tower"]),
    ("radio", 14, "Motorola Solutions", ["MXP600", "APX 6000"], ["00047D", "001F92"], ["Apron", "Terminal 2 Security"]),
    # Network
    ("switch", 12, "Huawei", ["CloudEngine S5731-S24T4X", "S5720-28X-SI-AC"], ["30FBB8", "44D791", "8446FE"], T1),
    ("router", 3, "ZTE", ["ZXR10 5950-H"], ["086083", "E01954"], ["Control Tower"]),
    ("switch", 20, "Cisco Systems", ["C9300-48P", "C9200L-24P-4G"], ["F4BD9E", "084FA9"], T1),
    ("access point", 16, "Aruba", ["AP-515", "AP-635"], ["883A30", "000B86"], T1),
    ("router", 4, "Juniper Networks", ["MX204", "SRX345"], ["94F7AD", "E45D37"], ["Control Tower"]),
    # Other
    ("drone", 3, "DJI", ["Matrice 300 RTK", "Mavic 3 Enterprise"], ["481CB9", "60601F"], ["Apron"]),
    ("kiosk modem", 6, "", ["EC25-E"], ["34873D", "C44137"], ["Terminal 1 Check-in", "Terminal 2 Gate B"]),
    ("handheld scanner", 10, "Zebra Technologies", ["TC52", "MC9300"], ["94FB29", "84248D"], ["Baggage Hall", "Cargo Shed"]),
]

PHONES = [
    ("Apple", ["iPhone 14", "iPhone 15"], ["608B0E", "88B291"], "ios", 22),
    ("Samsung", ["Galaxy S23", "Galaxy XCover6 Pro"], ["D0D003", "7C8956"], "android", 14),
    ("Huawei", ["P60 Pro", "Mate 50"], ["10327E", "D88ADC"], "android", 6),
    ("Honor", ["Magic5 Pro"], ["90FFD6", "C0280B"], "android", 4),
]

APPS = {
    "ios": [("com.microsoft.Office.Outlook", "Microsoft Outlook", "Microsoft Corporation"),
            ("com.microsoft.skype.teams", "Microsoft Teams", "Microsoft Corporation"),
            ("net.whatsapp.WhatsApp", "WhatsApp", "WhatsApp Inc."),
            ("org.whispersystems.signal", "Signal", "Signal Messenger LLC"),
            ("com.zhiliaoapp.musically", "TikTok", "TikTok Ltd."),
            ("com.tencent.xin", "WeChat", "Tencent Technology (Shenzhen) Company Limited"),
            ("com.lemon.lvoverseas", "CapCut", "Bytedance Pte. Ltd")],
    "android": [("com.microsoft.office.outlook", "Microsoft Outlook", "Microsoft Corporation"),
                ("com.microsoft.teams", "Microsoft Teams", "Microsoft Corporation"),
                ("com.whatsapp", "WhatsApp", "WhatsApp LLC"),
                ("org.thoughtcrime.securesms", "Signal", "Signal Foundation"),
                ("com.ss.android.ugc.trill", "TikTok", "TikTok Pte. Ltd."),
                ("com.tencent.mm", "WeChat", "Tencent"),
                ("com.lemon.lvoverseas", "CapCut", "Bytedance Pte. Ltd"),
                ("com.huawei.appmarket", "AppGallery", "Huawei")],
}

rows, apps = [], []
n = 0
ip_of = {}
for cat, count, make, models, prefixes, locs in FLEET:
    for i in range(count):
        n += 1
        tag = f"{cat.split()[0][:3].upper()}-{n:04d}"
        prefix = rng.choice(prefixes)
        m = mac(prefix, sep=rng.choice([":", ":", "-", "."])) if prefix else ""
        ip = f"10.{20 + len(rows) // 250}.{(len(rows) // 50) % 5 + 1}.{len(rows) % 250 + 10}"
        ip_of[tag] = ip
        rows.append({"Asset Tag": tag, "Hostname": f"{tag.lower()}.ops.airport.example", "IP Address": ip,
                     "MAC Address": m, "Manufacturer": make, "Model": rng.choice(models),
                     "Serial Number": f"SN{rng.randrange(10**9):09d}", "Location": rng.choice(locs),
                     "Category": cat, "Owner": rng.choice(["Security", "IT Network", "Ground Ops", "Facilities"])})

for make, models, prefixes, platform, count in PHONES:
    for i in range(count):
        n += 1
        tag = f"PHN-{n:04d}"
        m = randomized() if rng.random() < 0.4 else mac(rng.choice(prefixes))
        rows.append({"Asset Tag": tag, "Hostname": "", "IP Address": "", "MAC Address": m,
                     "Manufacturer": make, "Model": rng.choice(models),
                     "Serial Number": f"IMEI35{rng.randrange(10**13):013d}", "Location": "Staff",
                     "Category": "staff phone", "Owner": rng.choice(["Security", "Ground Ops", "Management"])})
        for app_id, name, pub in rng.sample(APPS[platform], 4):
            apps.append({"Device": tag, "Platform": "iOS" if platform == "ios" else "Android",
                         "Bundle or Package ID": app_id, "App Name": name, "Publisher": pub,
                         "Version": f"{rng.randrange(1, 40)}.{rng.randrange(10)}"})

# Evidence that disagrees, and rows with problems, said so in README.md.
rows.append({"Asset Tag": "CAM-9001", "Hostname": "cam-9001.ops.airport.example", "IP Address": "10.29.1.1",
             "MAC Address": mac("00408C"), "Manufacturer": "EZVIZ", "Model": "CS-C6N", "Serial Number": "SN000009001",
             "Location": "Staff canteen", "Category": "camera", "Owner": "Facilities"})
rows.append({"Asset Tag": "CAM-9002", "Hostname": "cam-9002.ops.airport.example", "IP Address": "10.29.1.2",
             "MAC Address": mac("4447CC"), "Manufacturer": "Axis Communications", "Model": "P3245-V",
             "Serial Number": "SN000009002", "Location": "Terminal 2 Gate B", "Category": "camera", "Owner": "Security"})
rows.append({"Asset Tag": "CAM-9003", "Hostname": "", "IP Address": "10.29.1.3", "MAC Address": "00:40:8C:ZZ:10:01",
             "Manufacturer": "Axis Communications", "Model": "P3245-V", "Serial Number": "", "Location": "Apron",
             "Category": "camera", "Owner": "Security"})
rows.append({"Asset Tag": "SPARE-0001", "Hostname": "", "IP Address": "", "MAC Address": "", "Manufacturer": "",
             "Model": "", "Serial Number": "", "Location": "Store room", "Category": "spare", "Owner": "IT Network"})

with open(HERE / "inventory.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
with open(HERE / "apps.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(apps[0].keys()))
    w.writeheader()
    w.writerows(apps)

# A small nmap -oX scan of the camera VLAN: some inventory cameras (merged by IP), an NVR
# and a camera nobody listed, one host down, one host with nothing but an IP.
def host(ip, macaddr, vendor, ports, status="up", hostname=None):
    out = [f'<host starttime="1795300000" endtime="1795300040"><status state="{status}" reason="arp-response" reason_ttl="0"/>',
           f'<address addr="{ip}" addrtype="ipv4"/>']
    if macaddr:
        out.append(f'<address addr="{macaddr}" addrtype="mac" vendor={quoteattr(vendor)}/>')
    out.append("<hostnames>" + (f'<hostname name="{hostname}" type="PTR"/>' if hostname else "") + "</hostnames>")
    if ports:
        out.append("<ports>")
        for portid, name, attrs, scripts in ports:
            a = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
            out.append(f'<port protocol="tcp" portid="{portid}"><state state="open" reason="syn-ack" reason_ttl="64"/>'
                       f'<service name="{name}" {a} method="probed" conf="10"/>')
            for sid, output in scripts:
                out.append(f"<script id={quoteattr(sid)} output={quoteattr(output)}/>")
            out.append("</port>")
        out.append("</ports>")
    out.append("</host>")
    return "\n".join(out)

hik = [r for r in rows if r["Manufacturer"] == "Hikvision" and r["Category"] == "camera"][:3]
axis = [r for r in rows if r["Manufacturer"] == "Axis Communications" and r["Category"] == "camera"][:2]
dahua = [r for r in rows if r["Manufacturer"] == "Dahua Technology"][:2]
hosts = []
for r in hik:
    hosts.append(host(r["IP Address"], None, "", [
        ("80", "http", {"product": "Hikvision IP camera httpd"}, [("http-server-header", "App-webs/")]),
        ("554", "rtsp", {"product": "Hikvision 7513 POE IP camera rtspd", "version": "1.0"}, [])], hostname=r["Hostname"]))
for r in axis:
    hosts.append(host(r["IP Address"], None, "", [
        ("80", "http", {"product": "Axis P3245-V Network Camera http config", "extrainfo": "AXIS OS 10.12"}, [])], hostname=r["Hostname"]))
for r in dahua:
    hosts.append(host(r["IP Address"], None, "", [
        ("80", "http", {"product": "Dahua IP camera web interface"}, []),
        ("37777", "dvr", {"product": "Dahua DVR"}, [])]))
hosts.append(host("10.29.3.40", mac("BCAD28"), "Hangzhou Hikvision Digital Technology", [
    ("80", "http", {"product": "Hikvision DS-7608NI network video recorder httpd"}, [("http-title", "Login")]),
    ("8000", "http-alt", {}, [])]))
hosts.append(host("10.29.3.41", mac("64F2FB"), "Hangzhou Ezviz Software", [
    ("554", "rtsp", {"product": "EZVIZ camera rtspd"}, [])]))
hosts.append(host("10.29.3.42", mac("ACCC8E"), "Axis Communications AB", [
    ("443", "https", {"product": "Apache httpd"}, [("ssl-cert", "Subject: commonName=axis-accc8e")])]))
hosts.append(host("10.29.3.43", mac("30FBB8"), "Huawei Technologies", [
    ("22", "ssh", {"product": "HUAWEI switch sshd", "extrainfo": "protocol 2.0"}, [("banner", "SSH-2.0-HUAWEI-1.5")])]))
hosts.append(host("10.29.3.44", None, "", [], status="down"))
hosts.append(host("10.29.3.45", None, "", [("161", "snmp", {}, [])]))

with open(HERE / "nmap.xml", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n')
    f.write('<nmaprun scanner="nmap" args="nmap -sV -oX nmap.xml 10.20.0.0/16 10.29.3.0/24" start="1795300000" '
            'startstr="Sun Nov 22 06:00:00 2026" version="7.93" xmloutputversion="1.05">\n')
    f.write("\n".join(hosts))
    f.write('\n<runstats><finished time="1795300100" elapsed="100" exit="success"/>'
            f'<hosts up="{len(hosts) - 1}" down="1" total="{len(hosts)}"/></runstats>\n</nmaprun>\n')

print(f"inventory.csv: {len(rows)} rows; apps.csv: {len(apps)} rows; nmap.xml: {len(hosts)} hosts")
