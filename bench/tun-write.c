// Writes COUNT copies of one 92-byte IPv4/UDP packet (10.77.0.2:12345 -> 198.18.0.2:53) into the
// TUN device NAME as fast as one thread can, and prints the nanoseconds per write. Each write
// carries the packet through the kernel's receive, forwarding and netfilter hooks in this thread,
// so the figure moves with what the firewall does per packet (bench/fw-cost.sh).
// usage: tun-write NAME COUNT
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static unsigned short checksum(const unsigned char *p, int n) {
	unsigned long s = 0;
	for (int i = 0; i < n; i += 2)
		s += (p[i] << 8) | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: tun-write NAME COUNT\n");
		return 2;
	}
	long count = atol(argv[2]);
	int fd = open("/dev/net/tun", O_RDWR);
	struct ifreq ifr = {0};
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("tun-write: attach");
		return 1;
	}
	unsigned char pkt[92] = {0x45, 0, 0, sizeof pkt, 0, 0, 0, 0, 64, 17};
	inet_pton(AF_INET, "10.77.0.2", pkt + 12);
	inet_pton(AF_INET, "198.18.0.2", pkt + 16);
	unsigned short c = checksum(pkt, 20);
	pkt[10] = c >> 8;
	pkt[11] = c & 0xff;
	unsigned char udp[] = {0x30, 0x39, 0, 53, 0, sizeof pkt - 20}; // checksum 0: none
	memcpy(pkt + 20, udp, sizeof udp);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < count; i++) {
		if (write(fd, pkt, sizeof pkt) < 0) {
			perror("tun-write: write");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / count);
	return 0;
}
