#!/usr/bin/env python3
"""dnssrv.py - a DNS server for the tests that answers SRV questions only.

    dnssrv.py ADDRESS READY-FILE NAME=PRIO,WEIGHT,PORT,TARGET ...

Listens on ADDRESS port 53 (UDP), writes READY-FILE once bound, and answers
each question for a NAME given with its records (several per name may be
given), every other question with NXDOMAIN.  Python standard library only.
"""
import socket
import struct
import sys


def encode_name(name):
    out = b''
    for label in name.strip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode('ascii')
    return out + b'\0'


def read_question(msg):
    """the question's name (lower case) and the offset after its type and class"""
    pos, labels = 12, []
    while msg[pos]:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode('ascii', 'replace'))
        pos += 1 + n
    return '.'.join(labels).lower(), pos + 5


def answer(msg, records):
    ident = msg[:2]
    name, end = read_question(msg)
    qtype = struct.unpack('>H', msg[end - 4:end - 2])[0]
    found = records.get(name, []) if qtype == 33 else []
    rcode = 0 if name in records else 3
    head = ident + struct.pack('>HHHHH', 0x8180 | rcode, 1, len(found), 0, 0)
    body = msg[12:end]
    for prio, weight, port, target in found:
        rdata = struct.pack('>HHH', prio, weight, port) + encode_name(target)
        body += b'\xc0\x0c' + struct.pack('>HHIH', 33, 1, 60, len(rdata)) + rdata
    return head + body


def main():
    address, ready = sys.argv[1], sys.argv[2]
    records = {}
    for spec in sys.argv[3:]:
        name, value = spec.split('=', 1)
        prio, weight, port, target = value.split(',')
        records.setdefault(name.lower().strip('.'), []).append((int(prio), int(weight), int(port), target))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    with open(ready, 'w') as f:
        f.write('ready\n')
    while True:
        msg, peer = sock.recvfrom(4096)
        try:
            sock.sendto(answer(msg, records), peer)
        except (IndexError, struct.error, UnicodeError):
            pass


if __name__ == '__main__':
    main()
