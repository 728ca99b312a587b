/** Listening TCP sockets of a process, read from /proc (Linux). */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

function hexToIp(hex: string): string {
  if (hex.length === 8) {
    return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return hex === '00000000000000000000000000000000' ? '::' : `ipv6:${hex}`;
}

/** "address:port" of every socket `pid` listens on (IPv4 and IPv6). */
export function listeningAddresses(pid: number): string[] {
  const inodes = socketInodes(pid);
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, , state] = [cols[1] ?? '', cols[2], cols[3]];
      const inode = cols[9] ?? '';
      if (state !== '0A' || !inodes.has(inode)) continue; // 0A = LISTEN
      const [ipHex = '', portHex = ''] = local.split(':');
      out.push(`${hexToIp(ipHex)}:${Number.parseInt(portHex, 16)}`);
    }
  }
  return out;
}
