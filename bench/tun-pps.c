/*
 * Baseline for bench/tun-pps.sh: the same loop as TunPps.java in plain C. Attaches to the TUN
 * device NAME (IFF_TUN | IFF_NO_PI, multiqueue when QUEUES > 1), and on each queue, in its own
 * thread: writes an ICMP echo request from 10.98.0.(2+queue) to 10.98.1.1 (an address of the
 * namespace), then reads until the kernel's echo reply comes back; PACKETS round trips per thread
 * or SECONDS, whichever ends first, after a warm-up. The fds are non-blocking and a read that
 * finds nothing polls, as the Java driver does.
 *
 * usage: tun-pps NAME QUEUES PACKETS SECONDS     prints: pps=... packets=... seconds=... lost=...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 56
#define WARMUP 20000

static const char *name;
static int queues;
static long packets;
static double seconds;

struct worker {
	pthread_t thread;
	int queue, fd;
	long done, lost;
	double elapsed;
};

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint16_t checksum(const uint8_t *p, int len) {
	uint32_t sum = 0;
	for (int i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static int request(uint8_t *b, int queue, uint16_t id, uint16_t seq) {
	int total = 20 + 8 + PAYLOAD;
	memset(b, 0, total);
	b[0] = 0x45; b[2] = total >> 8; b[3] = total; b[4] = seq >> 8; b[5] = seq; b[6] = 0x40;
	b[8] = 64; b[9] = 1;
	b[12] = 10; b[13] = 98; b[14] = 0; b[15] = 2 + queue;
	b[16] = 10; b[17] = 98; b[18] = 1; b[19] = 1;
	uint16_t s = checksum(b, 20);
	b[10] = s >> 8; b[11] = s;
	uint8_t *icmp = b + 20;
	icmp[0] = 8; icmp[4] = id >> 8; icmp[5] = id; icmp[6] = seq >> 8; icmp[7] = seq;
	for (int i = 0; i < PAYLOAD; i++)
		icmp[8 + i] = i;
	s = checksum(icmp, 8 + PAYLOAD);
	icmp[2] = s >> 8; icmp[3] = s;
	return total;
}

/* Reads until the echo reply with id/seq; 0 on success, -1 after 1 s without it. */
static int reply(int fd, uint16_t id, uint16_t seq) {
	uint8_t in[2048];
	for (;;) {
		ssize_t n = read(fd, in, sizeof in);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				perror("read");
				exit(1);
			}
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 1000) == 0)
				return -1;
			continue;
		}
		int ihl = (in[0] & 0xf) * 4;
		if (n >= ihl + 8 && (in[0] >> 4) == 4 && in[9] == 1 && in[ihl] == 0 && ((in[ihl + 4] << 8) | in[ihl + 5]) == id
				&& ((in[ihl + 6] << 8) | in[ihl + 7]) == seq)
			return 0;
	}
}

static long loop(struct worker *w, long count, double limit) {
	uint8_t out[128];
	uint16_t id = 0x100 + w->queue;
	double end = now() + limit;
	long i;
	for (i = 0; i < count && ((i & 1023) || now() < end); i++) {
		int len = request(out, w->queue, id, (uint16_t) i);
		if (write(w->fd, out, len) != len) {
			perror("write");
			exit(1);
		}
		if (reply(w->fd, id, (uint16_t) i) < 0)
			w->lost++;
	}
	return i;
}

static void *run(void *arg) {
	struct worker *w = arg;
	loop(w, WARMUP, 5);
	w->lost = 0;
	double start = now();
	w->done = loop(w, packets, seconds);
	w->elapsed = now() - start;
	return NULL;
}

static int attach(void) {
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/net/tun");
		exit(1);
	}
	struct ifreq ifr = { 0 };
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (queues > 1 ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("TUNSETIFF");
		exit(1);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

int main(int argc, char **argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: %s NAME QUEUES PACKETS SECONDS\n", argv[0]);
		return 2;
	}
	name = argv[1];
	queues = atoi(argv[2]);
	packets = atol(argv[3]);
	seconds = atof(argv[4]);
	struct worker w[16] = { 0 };
	if (queues < 1 || queues > 16)
		return 2;
	for (int q = 0; q < queues; q++) {
		w[q].queue = q;
		w[q].fd = attach();
	}
	for (int q = 0; q < queues; q++)
		pthread_create(&w[q].thread, NULL, run, &w[q]);
	long done = 0, lost = 0;
	double elapsed = 0;
	for (int q = 0; q < queues; q++) {
		pthread_join(w[q].thread, NULL);
		done += w[q].done;
		lost += w[q].lost;
		if (w[q].elapsed > elapsed)
			elapsed = w[q].elapsed;
	}
	printf("pps=%.0f packets=%ld seconds=%.2f lost=%ld\n", (done - lost) / elapsed, done, elapsed, lost);
	return 0;
}
