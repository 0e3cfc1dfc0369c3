/*
 * relay — a minimal single-threaded TUN<->UDP relay (the "ceiling" baseline for a userspace
 * VPN data path), a ToyVpn-protocol client, and a handshake load generator.
 *
 *   relay server     --tun NAME --listen ADDR:PORT [--mtu 1400] [--batch 32]
 *                    [--clients N [--subnet 10.78.5.0/24] [--secret S]]
 *   relay client     --tun NAME --server ADDR:PORT [--secret S [--id ID]] [--mtu 1400] [--batch 32]
 *                    [--clients N]   (N sessions on one TUN, ids ID-1..ID-N: see "fleet" below)
 *   relay handshakes --server ADDR:PORT --secret S --clients N [--id-prefix P] [--parallel K]
 *                    [--keys FILE]   (client i sends line i of FILE as its key instead of S)
 *                    [--timeout-ms MS] [--tries T] [--first-port P] [--max-seconds S]
 *   relay blast      --to ADDR:PORT [--from ADDR[,ADDR...]] [--len 64 | --imix] [--pps N] [--seconds S]
 *
 * blast is a UDP load generator without any set-up exchange (iperf3's per-stream set-up datagram
 * is lost on a tunnel that other streams already overload): one flow per --from address (bound
 * to it, so policy routing can pick a tunnel per flow), flow i sending to PORT+i, N datagrams/s in
 * total (0 = as fast as it can), in sendmmsg batches, round robin, and prints its own CPU time
 * (cpu_s: user + system, so a report can tell the load generator's share). The receiver counts them
 * (bench/run.sh: nft counters on the internet host). --imix mixes IP packet sizes instead of one
 * --len: 60 % 64 B, 25 % 576 B, 15 % 1400 B, interleaved in a fixed 20-packet cycle.
 *
 * Wire protocol: /work/shared/docs/protocol.md (ToyVpn). A datagram whose first byte is 0 is
 * control (a lone 0 is a keepalive); anything else is exactly one raw IP packet.
 *
 * A server with --clients serves up to N ToyVpn clients on one TUN and one socket: a handshake
 * from a new endpoint (checked against --secret if given) leases the subnet's next host address
 * (.1 is the server's, clients get .2 up), a repeated one gets its lease again. UDP->TUN passes
 * only IPv4 packets whose source is the lease of the endpoint they came from; TUN->UDP sends each
 * packet to the client whose lease is its destination. Both look the client up in an array
 * indexed by the host part of the address: O(1), no allocation. Without --clients the server
 * serves one client and learns its endpoint from any datagram (no handshake).
 *
 * A client with --clients N is a fleet: N ToyVpn sessions in one process (one connected socket
 * each, so N endpoints; one handshake each, one CONFIG line each, in order), one TUN for all. A
 * packet read from the TUN goes out on the socket of the session whose lease is its IPv4 source
 * (others are dropped), one sendmmsg per session per batch. It loads a server with N clients at
 * the cost of one client process, as one relay pair's client does, instead of N processes.
 *
 * The relay loop only moves packets: it creates the TUN, sets its MTU and brings it up; addresses
 * and routes are the caller's job. After a handshake the client prints one line
 *   CONFIG mtu=1400 address=10.77.0.2/32 routes=0.0.0.0/0 dns=8.8.8.8 search= [address6=fd00::2/128]
 * on stdout (again after every re-handshake) so a script can configure the TUN.
 *
 * No per-packet allocation: fixed buffers, recvmmsg/sendmmsg batches, poll() loop.
 * SIGINT/SIGTERM end the loop cleanly and print packet counters on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define SLOT 65536 /* one buffer slot holds any IP packet a TUN can deliver */
#define SOCKET_BUFFER (4 << 20)
#define KEEPALIVE_IDLE_S 10.0
#define MAX_LIST 16
#define FIELD 64

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- options ---------- */

struct opts {
	const char *mode, *tun, *listen, *server, *secret, *id, *id_prefix, *to, *from, *keys, *subnet;
	int mtu, batch;
	bool imix;
	long clients, parallel, timeout_ms, tries, first_port, max_seconds, len, pps, seconds;
};

static void usage(void)
{
	fputs("usage:\n"
	      "  relay server     --tun NAME --listen ADDR:PORT [--mtu 1400] [--batch 32]\n"
	      "                   [--clients N [--subnet 10.78.5.0/24] [--secret S]]\n"
	      "  relay client     --tun NAME --server ADDR:PORT [--secret S [--id ID]] [--mtu 1400]\n"
	      "                   [--batch 32] [--timeout-ms 5000] [--tries 3] [--clients N]\n"
	      "  relay handshakes --server ADDR:PORT --secret S --clients N [--id-prefix P]\n"
	      "                   [--parallel 64] [--timeout-ms 1000] [--tries 3] [--first-port 20000] [--keys FILE]\n"
	      "                   [--max-seconds 120]\n"
	      "  relay blast      --to ADDR:PORT [--from ADDR[,ADDR...]] [--len 64 | --imix] [--pps 0]\n"
	      "                   [--seconds 5]\n",
	      stderr);
	exit(2);
}

static long number(const char *name, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		die("%s must be a number in %ld..%ld, got '%s'", name, min, max, s);
	return v;
}

static struct opts parse_opts(int argc, char **argv)
{
	struct opts o = { .mtu = 1400, .batch = BATCH, .parallel = 64, .timeout_ms = -1, .tries = 3, .first_port = 20000,
			  .max_seconds = 120, .len = 64, .seconds = 5 };
	if (argc < 2)
		usage();
	o.mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *k = argv[i];
		if (!strcmp(k, "--imix")) { /* the one option without a value */
			o.imix = true;
			continue;
		}
		if (i + 1 >= argc)
			die("option %s needs a value", k);
		const char *v = argv[++i];
		if (!strcmp(k, "--tun"))
			o.tun = v;
		else if (!strcmp(k, "--listen"))
			o.listen = v;
		else if (!strcmp(k, "--server"))
			o.server = v;
		else if (!strcmp(k, "--secret"))
			o.secret = v;
		else if (!strcmp(k, "--id"))
			o.id = v;
		else if (!strcmp(k, "--id-prefix"))
			o.id_prefix = v;
		else if (!strcmp(k, "--subnet"))
			o.subnet = v;
		else if (!strcmp(k, "--keys"))
			o.keys = v;
		else if (!strcmp(k, "--mtu"))
			o.mtu = (int)number(k, v, 576, 65535);
		else if (!strcmp(k, "--batch"))
			o.batch = (int)number(k, v, 1, BATCH);
		else if (!strcmp(k, "--clients"))
			o.clients = number(k, v, 1, 1000000);
		else if (!strcmp(k, "--parallel"))
			o.parallel = number(k, v, 1, 4096);
		else if (!strcmp(k, "--timeout-ms"))
			o.timeout_ms = number(k, v, 1, 60000);
		else if (!strcmp(k, "--tries"))
			o.tries = number(k, v, 1, 100);
		else if (!strcmp(k, "--first-port"))
			o.first_port = number(k, v, 1024, 65535);
		else if (!strcmp(k, "--max-seconds"))
			o.max_seconds = number(k, v, 1, 86400);
		else if (!strcmp(k, "--to"))
			o.to = v;
		else if (!strcmp(k, "--from"))
			o.from = v;
		else if (!strcmp(k, "--len"))
			o.len = number(k, v, 1, 1472);
		else if (!strcmp(k, "--pps"))
			o.pps = number(k, v, 0, 100000000);
		else if (!strcmp(k, "--seconds"))
			o.seconds = number(k, v, 1, 3600);
		else
			die("unknown option %s", k);
	}
	if (o.id && !o.secret)
		die("--id needs --secret");
	if (o.id && strlen(o.id) > 64)
		die("--id is longer than 64 bytes");
	return o;
}

/* ---------- sockets and TUN ---------- */

/* "1.2.3.4:5" or "[::1]:5", numeric only. */
static void parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *port;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			die("bad endpoint '%s' (want [ADDR]:PORT)", s);
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			die("bad endpoint '%s' (want ADDR:PORT)", s);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		port = colon + 1;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc)
		die("bad endpoint '%s': %s", s, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static int udp_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* Bursts from a TUN outrun the default buffers; the kernel caps this at rmem/wmem_max. */
	int size = SOCKET_BUFFER;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	return fd;
}

static void tun_set_mtu_up(const char *name, int mtu)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		die("set MTU %d on %s: %s", mtu, name, strerror(errno));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("get flags of %s: %s", name, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("bring %s up: %s", name, strerror(errno));
	close(s);
}

static int tun_open(const char *name, int mtu)
{
	if (strlen(name) >= IFNAMSIZ)
		die("TUN name '%s' is longer than %d bytes", name, IFNAMSIZ - 1);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/net/tun: %s", strerror(errno));
	struct ifreq ifr = { 0 };
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("create TUN %s: %s", name, strerror(errno));
	tun_set_mtu_up(name, mtu);
	return fd;
}

/* ---------- ToyVpn handshake ---------- */

struct params {
	int mtu;
	char address[FIELD];
	int prefix;
	char address6[FIELD]; /* a dual-stack gateway's second a, item, "" when none */
	int prefix6;
	char routes[MAX_LIST][FIELD];
	int nroutes;
	char dns[MAX_LIST][FIELD];
	int ndns;
	char search[FIELD];
};

static bool valid_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool copy_field(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n == 0 || n >= FIELD)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/*
 * Parses the text after the leading 0 byte: " m,1400 a,10.77.0.2,32 d,8.8.8.8 r,0.0.0.0,0" plus
 * space padding. True only for a parameter reply (it carries an address); a re-handshake hint or
 * anything else is not one.
 */
static bool parse_params(const unsigned char *data, size_t len, struct params *p)
{
	char text[2048];
	if (len >= sizeof text)
		len = sizeof text - 1;
	for (size_t i = 0; i < len; i++)
		text[i] = (data[i] >= 0x20 && data[i] < 0x7f) ? (char)data[i] : ' ';
	text[len] = 0;
	memset(p, 0, sizeof *p);
	bool has_address = false;
	char *save = NULL;
	for (char *tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *f1 = strchr(tok, ',');
		if (!f1 || f1 != tok + 1)
			continue;
		*f1++ = 0;
		char *f2 = strchr(f1, ',');
		if (f2)
			*f2++ = 0;
		switch (tok[0]) {
		case 'm': {
			long m = strtol(f1, NULL, 10);
			if (m >= 576 && m <= 65535)
				p->mtu = (int)m;
			break;
		}
		case 'a':
			if (f2 && strchr(f1, ':') && valid_ip(f1) && copy_field(p->address6, f1)) {
				p->prefix6 = atoi(f2);
			} else if (f2 && valid_ip(f1) && copy_field(p->address, f1)) {
				p->prefix = atoi(f2);
				has_address = true;
			}
			break;
		case 'r':
			if (f2 && valid_ip(f1) && p->nroutes < MAX_LIST &&
			    strlen(f1) + strlen(f2) + 2 <= FIELD) {
				snprintf(p->routes[p->nroutes++], FIELD, "%s/%d", f1, atoi(f2));
			}
			break;
		case 'd':
			if (valid_ip(f1) && p->ndns < MAX_LIST && copy_field(p->dns[p->ndns], f1))
				p->ndns++;
			break;
		case 's':
			copy_field(p->search, f1);
			break;
		default:
			break; /* unknown parameters are for other clients */
		}
	}
	return has_address;
}

static bool is_rehandshake(const unsigned char *data, size_t len)
{
	static const char hint[] = "x,rehandshake";
	size_t i = 1; /* skip the 0 byte */
	while (i < len && data[i] == ' ')
		i++;
	return len - i >= sizeof hint - 1 && !memcmp(data + i, hint, sizeof hint - 1);
}

static size_t handshake_message(unsigned char *out, size_t cap, const char *secret, const char *id)
{
	int n = id ? snprintf((char *)out + 1, cap - 1, "%s:%s", secret, id)
		   : snprintf((char *)out + 1, cap - 1, "%s", secret);
	if (n < 0 || (size_t)n >= cap - 1)
		die("secret/id too long");
	out[0] = 0;
	return (size_t)n + 1;
}

static void print_config(const struct params *p, long member)
{
	if (member)
		printf("CONFIG client=%ld ", member);
	else
		printf("CONFIG ");
	printf("mtu=%d address=%s/%d routes=", p->mtu, p->address, p->prefix);
	for (int i = 0; i < p->nroutes; i++)
		printf("%s%s", i ? "," : "", p->routes[i]);
	printf(" dns=");
	for (int i = 0; i < p->ndns; i++)
		printf("%s%s", i ? "," : "", p->dns[i]);
	printf(" search=%s", p->search);
	if (p->address6[0])
		printf(" address6=%s/%d", p->address6, p->prefix6);
	printf("\n");
	fflush(stdout);
}

/*
 * ToyVpn handshake on a connected socket: send, wait timeout_ms for a parameter reply, up to
 * `tries` times. Duplicate replies and other control datagrams are ignored; data is dropped.
 */
static bool handshake(int udp, const char *secret, const char *id, long tries, long timeout_ms,
		      struct params *p)
{
	unsigned char msg[256], buf[4096];
	size_t len = handshake_message(msg, sizeof msg, secret, id);
	double start = now_s();
	for (long attempt = 1; attempt <= tries && !stopping; attempt++) {
		if (send(udp, msg, len, 0) < 0)
			fprintf(stderr, "relay: handshake send: %s\n", strerror(errno));
		double deadline = now_s() + (double)timeout_ms / 1000.0;
		for (double t = now_s(); t < deadline && !stopping; t = now_s()) {
			struct pollfd pfd = { .fd = udp, .events = POLLIN };
			int wait_ms = (int)((deadline - t) * 1000.0) + 1;
			if (poll(&pfd, 1, wait_ms) <= 0)
				continue;
			ssize_t n;
			while ((n = recv(udp, buf, sizeof buf, 0)) >= 0) {
				if (n > 1 && buf[0] == 0 && parse_params(buf + 1, (size_t)n - 1, p)) {
					fprintf(stderr, "relay: handshake ok in %.1f ms (attempt %ld)\n",
						(now_s() - start) * 1000.0, attempt);
					return true;
				}
			}
		}
		fprintf(stderr, "relay: no handshake reply (attempt %ld of %ld)\n", attempt, tries);
	}
	return false;
}

/* ---------- relay loop ---------- */

struct counters {
	uint64_t udp_rx, tun_tx, tun_rx, udp_tx, control, tun_write_errors, udp_send_drops,
		no_peer_drops, spoofed_drops, leases, refused;
};

static unsigned char in_buf[BATCH][SLOT];  /* UDP -> TUN */
static unsigned char out_buf[BATCH][SLOT]; /* TUN -> UDP */

#define MAX_CLIENTS 4096
/* --clients: the endpoint of each leased host address, indexed by host part (port 0: not leased). */
static struct sockaddr_in clients[MAX_CLIENTS + 2];

struct relay {
	int tun, udp;
	int batch;		 /* packets per recvmmsg/sendmmsg; 1 = classic one syscall per packet */
	bool server;		 /* learn the peer from datagrams; else the socket is connected */
	bool have_peer;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	bool rehandshake;	 /* client: server asked for a new handshake */
	double last_send;
	/* server --clients: leases of net + 2 .. net + 1 + nclients, in clients[] */
	uint32_t net;		 /* subnet address, host order */
	long nclients, leased;
	const char *secret;	 /* NULL: any handshake is accepted */
	int mtu;
	struct counters c;
};

static bool same_endpoint(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* The client whose lease is the IPv4 address at p (in a packet header), or NULL. */
static struct sockaddr_in *client_at(const struct relay *r, const unsigned char *p)
{
	uint32_t a;
	memcpy(&a, p, sizeof a);
	uint32_t host = ntohl(a) - r->net;
	if (host < 2 || host >= (uint32_t)r->nclients + 2 || !clients[host].sin_port)
		return NULL;
	return &clients[host];
}

/* A handshake "\0SECRET" or "\0SECRET:ID": lease an address to a new endpoint, or repeat its own. */
static void client_handshake(struct relay *r, const unsigned char *d, size_t len, const struct sockaddr_in *from)
{
	size_t n = r->secret ? strlen(r->secret) : 0;
	if (r->secret && (len - 1 < n || memcmp(d + 1, r->secret, n) || (len - 1 > n && d[1 + n] != ':'))) {
		r->c.refused++;
		return;
	}
	long host = 2;
	while (host < r->leased + 2 && !same_endpoint(&clients[host], from))
		host++;
	if (host == r->leased + 2) {
		if (r->leased == r->nclients) {
			r->c.refused++; /* table full */
			return;
		}
		clients[host] = *from;
		r->leased++;
		r->c.leases++;
	}
	struct in_addr a = { htonl(r->net + (uint32_t)host) };
	char text[128], ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, ip, sizeof ip);
	int k = snprintf(text, sizeof text, "%cm,%d a,%s,32 r,0.0.0.0,0", 0, r->mtu, ip);
	if (sendto(r->udp, text, (size_t)k, 0, (const struct sockaddr *)from, sizeof *from) < 0)
		r->c.udp_send_drops++;
}

/* One datagram to a --clients server: control, or data whose source must be its sender's lease. */
static void from_client(struct relay *r, const unsigned char *d, size_t len, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *from = (const struct sockaddr_in *)ss;
	if (d[0] == 0) {
		r->c.control++;
		if (len > 1)
			client_handshake(r, d, len, from);
		return;
	}
	const struct sockaddr_in *owner = len >= 20 && (d[0] >> 4) == 4 ? client_at(r, d + 12) : NULL;
	if (!owner || !same_endpoint(owner, from)) {
		r->c.spoofed_drops++;
		return;
	}
	if (write(r->tun, d, len) == (ssize_t)len)
		r->c.tun_tx++;
	else
		r->c.tun_write_errors++;
}

static void udp_to_tun(struct relay *r)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static struct sockaddr_storage from[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ in_buf[i], SLOT };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		if (r->server) {
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof from[i];
		}
	}
	int n = recvmmsg(r->udp, msgs, (unsigned)r->batch, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++) {
		size_t len = msgs[i].msg_len;
		const unsigned char *d = in_buf[i];
		r->c.udp_rx++;
		if (len == 0 || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
			continue;
		if (r->nclients) {
			from_client(r, d, len, &from[i]);
			continue;
		}
		if (r->server) {
			r->peer = from[i];
			r->peer_len = msgs[i].msg_hdr.msg_namelen;
			r->have_peer = true;
		}
		if (d[0] == 0) {
			r->c.control++;
			if (!r->server && len > 1 && is_rehandshake(d, len))
				r->rehandshake = true;
			continue; /* keepalives and duplicate handshake replies */
		}
		if (write(r->tun, d, len) == (ssize_t)len)
			r->c.tun_tx++;
		else
			r->c.tun_write_errors++;
	}
}

static void tun_to_udp(struct relay *r)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	int n = 0;
	for (int reads = 0; reads < r->batch; reads++) { /* bounded even when all are dropped */
		ssize_t len = read(r->tun, out_buf[n], SLOT);
		if (len <= 0)
			break;
		r->c.tun_rx++;
		void *to = NULL;
		socklen_t to_len = 0;
		if (r->nclients) {
			const unsigned char *p = out_buf[n];
			to = len >= 20 && (p[0] >> 4) == 4 ? client_at(r, p + 16) : NULL;
			to_len = sizeof(struct sockaddr_in);
		} else if (r->server && r->have_peer) {
			to = &r->peer;
			to_len = r->peer_len;
		}
		if (r->server && !to) {
			r->c.no_peer_drops++; /* the slot is reused by the next read */
			continue;
		}
		iov[n] = (struct iovec){ out_buf[n], (size_t)len };
		msgs[n].msg_hdr = (struct msghdr){ .msg_iov = &iov[n], .msg_iovlen = 1, .msg_name = to, .msg_namelen = to_len };
		n++;
	}
	if (n == 0)
		return;
	int sent = 0;
	while (sent < n) {
		int k = sendmmsg(r->udp, msgs + sent, (unsigned)(n - sent), 0);
		if (k <= 0) {
			/* A full socket buffer drops like a congested router queue would. */
			r->c.udp_send_drops += (uint64_t)(n - sent);
			break;
		}
		sent += k;
	}
	r->c.udp_tx += (uint64_t)sent;
	r->last_send = now_s();
}

static void send_keepalive(struct relay *r)
{
	unsigned char zero = 0;
	if (send(r->udp, &zero, 1, 0) < 0 && errno != EAGAIN)
		fprintf(stderr, "relay: keepalive: %s\n", strerror(errno));
	r->last_send = now_s();
}

/* Returns 0 on a signal, 1 when a re-handshake was requested (client only). */
static int relay_loop(struct relay *r)
{
	struct pollfd fds[2] = { { .fd = r->tun, .events = POLLIN }, { .fd = r->udp, .events = POLLIN } };
	while (!stopping) {
		int timeout = -1;
		if (!r->server) {
			double idle = now_s() - r->last_send;
			if (idle >= KEEPALIVE_IDLE_S) {
				send_keepalive(r);
				idle = 0;
			}
			timeout = (int)((KEEPALIVE_IDLE_S - idle) * 1000.0) + 1;
		}
		int rc = poll(fds, 2, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (fds[1].revents & (POLLIN | POLLERR))
			udp_to_tun(r);
		if (fds[0].revents & POLLIN)
			tun_to_udp(r);
		if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			die("TUN device went away");
		if (r->rehandshake)
			return 1;
	}
	return 0;
}

static void print_counters(const struct counters *c)
{
	fprintf(stderr,
		"relay: udp_rx=%llu tun_tx=%llu tun_rx=%llu udp_tx=%llu control=%llu "
		"tun_write_errors=%llu udp_send_drops=%llu no_peer_drops=%llu spoofed_drops=%llu leases=%llu "
		"refused=%llu\n",
		(unsigned long long)c->udp_rx, (unsigned long long)c->tun_tx,
		(unsigned long long)c->tun_rx, (unsigned long long)c->udp_tx,
		(unsigned long long)c->control, (unsigned long long)c->tun_write_errors,
		(unsigned long long)c->udp_send_drops, (unsigned long long)c->no_peer_drops,
		(unsigned long long)c->spoofed_drops, (unsigned long long)c->leases, (unsigned long long)c->refused);
}

/* "A.B.C.D/P" with room for the server (.1) and n clients; the subnet address in host order. */
static uint32_t parse_subnet(const char *s, long n)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	if (!slash || (size_t)(slash - s) >= sizeof ip)
		die("bad --subnet '%s' (want A.B.C.D/P)", s);
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	long prefix = number("--subnet prefix", slash + 1, 8, 30);
	if (inet_pton(AF_INET, ip, &a) != 1)
		die("bad --subnet address '%s'", ip);
	uint32_t size = 1u << (32 - prefix);
	if (n > MAX_CLIENTS || (uint32_t)n > size - 3)
		die("--subnet %s has room for %u clients (at most %d), %ld asked", s, size - 3, MAX_CLIENTS, n);
	return ntohl(a.s_addr) & ~(size - 1);
}

static int run_server(const struct opts *o)
{
	if (!o->tun || !o->listen)
		die("server needs --tun and --listen");
	struct relay r = { .server = true, .batch = o->batch, .nclients = o->clients, .secret = o->secret, .mtu = o->mtu };
	struct sockaddr_storage addr;
	socklen_t len;
	parse_endpoint(o->listen, &addr, &len);
	if (r.nclients)
		r.net = parse_subnet(o->subnet ? o->subnet : "10.78.5.0/24", r.nclients);
	if (r.nclients && addr.ss_family != AF_INET)
		die("--clients needs an IPv4 --listen address");
	r.udp = udp_socket(addr.ss_family);
	if (bind(r.udp, (struct sockaddr *)&addr, len) < 0)
		die("bind %s: %s", o->listen, strerror(errno));
	r.tun = tun_open(o->tun, o->mtu);
	fprintf(stderr, "relay: server on %s, TUN %s mtu %d, %ld client(s)\n", o->listen, o->tun, o->mtu,
		r.nclients ? r.nclients : 1);
	printf("READY\n");
	fflush(stdout);
	relay_loop(&r);
	print_counters(&r.c);
	return 0;
}

static int run_fleet(const struct opts *o);

static int run_client(const struct opts *o)
{
	if (!o->tun || !o->server)
		die("client needs --tun and --server");
	if (o->clients)
		return run_fleet(o);
	struct relay r = { .server = false, .batch = o->batch };
	struct sockaddr_storage addr;
	socklen_t len;
	parse_endpoint(o->server, &addr, &len);
	r.udp = udp_socket(addr.ss_family);
	if (connect(r.udp, (struct sockaddr *)&addr, len) < 0)
		die("connect %s: %s", o->server, strerror(errno));
	r.tun = tun_open(o->tun, o->mtu);
	long timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	for (;;) {
		if (o->secret) {
			struct params p;
			if (!handshake(r.udp, o->secret, o->id, o->tries, timeout_ms, &p)) {
				if (stopping)
					break;
				fprintf(stderr, "relay: handshake with %s failed\n", o->server);
				print_counters(&r.c);
				return 1;
			}
			if (p.mtu && p.mtu != o->mtu)
				tun_set_mtu_up(o->tun, p.mtu);
			print_config(&p, 0);
		} else {
			/* One keepalive lets the server learn our endpoint before any data flows. */
			send_keepalive(&r);
			printf("READY\n");
			fflush(stdout);
		}
		r.last_send = now_s();
		r.rehandshake = false;
		if (relay_loop(&r) == 0)
			break;
		fprintf(stderr, "relay: server asked for a re-handshake\n");
	}
	print_counters(&r.c);
	return 0;
}

/* ---------- fleet: N client sessions on one TUN ---------- */

#define MAX_FLEET 256

struct fleet {
	const struct opts *o;
	int tun, n;
	int udp[MAX_FLEET];
	uint32_t lease[MAX_FLEET]; /* IPv4, network order */
	double last_send[MAX_FLEET];
	struct counters c;
};

/* Member i's handshake (again after a re-handshake request): its lease and CONFIG line. */
static bool fleet_handshake(struct fleet *f, int i)
{
	char id[80];
	struct params p;
	snprintf(id, sizeof id, "%s-%d", f->o->id ? f->o->id : "fleet", i + 1);
	long timeout_ms = f->o->timeout_ms > 0 ? f->o->timeout_ms : 5000;
	struct in_addr a;
	if (!handshake(f->udp[i], f->o->secret, id, f->o->tries, timeout_ms, &p) || inet_pton(AF_INET, p.address, &a) != 1)
		return false;
	f->lease[i] = a.s_addr;
	f->last_send[i] = now_s();
	if (p.mtu && p.mtu != f->o->mtu)
		tun_set_mtu_up(f->o->tun, p.mtu);
	print_config(&p, i + 1);
	return true;
}

static int fleet_member(const struct fleet *f, const unsigned char *pkt, ssize_t len)
{
	uint32_t src;
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -1;
	memcpy(&src, pkt + 12, sizeof src);
	for (int i = 0; i < f->n; i++)
		if (f->lease[i] == src)
			return i;
	return -1;
}

/* One batch from the TUN, sent per member: a sendmmsg on each member's socket for its packets. */
static void fleet_tun_to_udp(struct fleet *f)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static int member[BATCH];
	static int count[MAX_FLEET], next[MAX_FLEET];
	int n = 0, touched[BATCH], ntouched = 0;
	for (int reads = 0; reads < f->o->batch; reads++) {
		ssize_t len = read(f->tun, out_buf[n], SLOT);
		if (len <= 0)
			break;
		f->c.tun_rx++;
		int m = fleet_member(f, out_buf[n], len);
		if (m < 0) {
			f->c.no_peer_drops++;
			continue;
		}
		if (count[m]++ == 0)
			touched[ntouched++] = m;
		member[n] = m;
		iov[n] = (struct iovec){ out_buf[n], (size_t)len };
		n++;
	}
	int at = 0;
	for (int t = 0; t < ntouched; t++) { /* packets grouped by member, in arrival order */
		next[touched[t]] = at;
		at += count[touched[t]];
	}
	for (int k = 0; k < n; k++)
		msgs[next[member[k]]++].msg_hdr = (struct msghdr){ .msg_iov = &iov[k], .msg_iovlen = 1 };
	at = 0;
	double now = n ? now_s() : 0;
	for (int t = 0; t < ntouched; t++) {
		int m = touched[t], sent = 0, want = count[m];
		while (sent < want) {
			int k = sendmmsg(f->udp[m], msgs + at + sent, (unsigned)(want - sent), 0);
			if (k <= 0)
				break;
			sent += k;
		}
		f->c.udp_tx += (uint64_t)sent;
		f->c.udp_send_drops += (uint64_t)(want - sent);
		f->last_send[m] = now;
		at += want;
		count[m] = 0;
	}
}

/* Datagrams of member i: data to the TUN; a re-handshake request is answered at once. */
static void fleet_udp_to_tun(struct fleet *f, int i)
{
	ssize_t len;
	while ((len = recv(f->udp[i], in_buf[0], SLOT, 0)) > 0) {
		f->c.udp_rx++;
		if (in_buf[0][0] != 0) {
			if (write(f->tun, in_buf[0], (size_t)len) == len)
				f->c.tun_tx++;
			else
				f->c.tun_write_errors++;
		} else if (len > 1 && is_rehandshake(in_buf[0], (size_t)len)) {
			fprintf(stderr, "relay: server asked client %d for a re-handshake\n", i + 1);
			if (!fleet_handshake(f, i))
				die("re-handshake of client %d failed", i + 1);
			return;
		} else {
			f->c.control++;
		}
	}
}

static int run_fleet(const struct opts *o)
{
	if (!o->secret || o->clients > MAX_FLEET)
		die("client --clients needs --secret and at most %d clients", MAX_FLEET);
	struct fleet f = { .o = o, .n = (int)o->clients };
	struct sockaddr_storage addr;
	socklen_t len;
	parse_endpoint(o->server, &addr, &len);
	f.tun = tun_open(o->tun, o->mtu);
	struct pollfd fds[MAX_FLEET + 1] = { { .fd = f.tun, .events = POLLIN } };
	for (int i = 0; i < f.n; i++) {
		f.udp[i] = udp_socket(addr.ss_family);
		if (connect(f.udp[i], (struct sockaddr *)&addr, len) < 0)
			die("connect %s: %s", o->server, strerror(errno));
		if (!fleet_handshake(&f, i))
			die("handshake of client %d with %s failed", i + 1, o->server);
		fds[i + 1] = (struct pollfd){ .fd = f.udp[i], .events = POLLIN };
	}
	while (!stopping) {
		int rc = poll(fds, (nfds_t)f.n + 1, 1000);
		if (rc < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (rc > 0 && (fds[0].revents & POLLIN))
			fleet_tun_to_udp(&f);
		for (int i = 0; rc > 0 && i < f.n; i++)
			if (fds[i + 1].revents & (POLLIN | POLLERR))
				fleet_udp_to_tun(&f, i);
		double now = now_s();
		for (int i = 0; i < f.n; i++) {
			unsigned char zero = 0;
			if (now - f.last_send[i] >= KEEPALIVE_IDLE_S && send(f.udp[i], &zero, 1, 0) >= 0)
				f.last_send[i] = now;
		}
	}
	print_counters(&f.c);
	return 0;
}

/* ---------- handshake load generator ---------- */

struct slot {
	int fd;
	long client, attempts;
	double first_sent, deadline;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* A socket on the next free local port: every client gets its own UDP source port. */
static int bind_next_port(const struct sockaddr_storage *server, socklen_t server_len, long *next_port)
{
	for (; *next_port <= 65535; (*next_port)++) {
		int fd = udp_socket(server->ss_family);
		struct sockaddr_storage local = { .ss_family = server->ss_family };
		socklen_t local_len;
		if (server->ss_family == AF_INET6) {
			((struct sockaddr_in6 *)&local)->sin6_port = htons((uint16_t)*next_port);
			local_len = sizeof(struct sockaddr_in6);
		} else {
			((struct sockaddr_in *)&local)->sin_port = htons((uint16_t)*next_port);
			local_len = sizeof(struct sockaddr_in);
		}
		if (bind(fd, (struct sockaddr *)&local, local_len) == 0) {
			if (connect(fd, (const struct sockaddr *)server, server_len) < 0)
				die("connect: %s", strerror(errno));
			(*next_port)++;
			return fd;
		}
		if (errno != EADDRINUSE)
			die("bind port %ld: %s", *next_port, strerror(errno));
		close(fd);
	}
	return -1;
}

/* Lines of FILE, one key per client (per-client keys or RADIUS passwords); at least n of them. */
static char **read_keys(const char *file, long n)
{
	FILE *f = fopen(file, "r");
	if (!f)
		die("cannot read %s", file);
	char **keys = calloc((size_t)n, sizeof *keys);
	char line[256];
	long i = 0;
	while (i < n && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		keys[i++] = strdup(line);
	}
	fclose(f);
	if (i < n)
		die("%s has %ld keys, %ld clients need one each", file, i, n);
	return keys;
}

static int run_handshakes(const struct opts *o)
{
	if (!o->server || !o->secret || o->clients <= 0)
		die("handshakes needs --server, --secret and --clients");
	struct sockaddr_storage server;
	socklen_t server_len;
	parse_endpoint(o->server, &server, &server_len);
	long timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 1000;
	long parallel = o->parallel < o->clients ? o->parallel : o->clients;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)parallel + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)parallel + 16 ? rl.rlim_max : (rlim_t)parallel + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* All memory up front; the loop allocates nothing. */
	struct slot *slots = calloc((size_t)parallel, sizeof *slots);
	struct pollfd *pfds = calloc((size_t)parallel, sizeof *pfds);
	double *latency = calloc((size_t)o->clients, sizeof *latency);
	uint32_t *addrs = calloc((size_t)o->clients, sizeof *addrs);
	if (!slots || !pfds || !latency || !addrs)
		die("out of memory");

	char **keys = o->keys ? read_keys(o->keys, o->clients) : NULL;
	long next_client = 0, next_port = o->first_port, ok = 0, failed = 0, active = 0;
	unsigned char msg[256], buf[4096];
	char id[128];
	double start = now_s(), end_by = start + (double)o->max_seconds;

	for (long i = 0; i < parallel; i++)
		slots[i].fd = -1;
	while (!stopping) {
		/* Fill free slots with new clients. */
		for (long i = 0; i < parallel && next_client < o->clients; i++) {
			if (slots[i].fd >= 0)
				continue;
			int fd = bind_next_port(&server, server_len, &next_port);
			if (fd < 0)
				die("ran out of local UDP ports after %ld clients", next_client);
			slots[i] = (struct slot){ .fd = fd, .client = next_client++, .attempts = 0, .deadline = 0 };
			active++;
		}
		if (active == 0)
			break;
		double t = now_s();
		if (t >= end_by)
			break;
		/* Send first tries and retries that are due; compute the next wake-up. */
		double wake = end_by;
		for (long i = 0; i < parallel; i++) {
			struct slot *s = &slots[i];
			pfds[i] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
			if (s->fd < 0)
				continue;
			if (s->deadline <= t) {
				if (s->attempts == o->tries) {
					failed++;
					close(s->fd);
					s->fd = -1;
					pfds[i].fd = -1;
					active--;
					continue;
				}
				if (o->id_prefix)
					snprintf(id, sizeof id, "%s%ld", o->id_prefix, s->client);
				size_t len = handshake_message(msg, sizeof msg, keys ? keys[s->client] : o->secret, o->id_prefix ? id : NULL);
				if (s->attempts == 0)
					s->first_sent = t;
				send(s->fd, msg, len, 0);
				s->attempts++;
				s->deadline = t + (double)timeout_ms / 1000.0;
			}
			if (s->deadline < wake)
				wake = s->deadline;
		}
		if (active == 0 || (next_client < o->clients && active < parallel))
			continue; /* slots freed by failures: refill (or finish) before waiting */
		int wait_ms = (int)((wake - now_s()) * 1000.0) + 1;
		int rc = poll(pfds, (nfds_t)parallel, wait_ms < 0 ? 0 : wait_ms);
		if (rc < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (long i = 0; rc > 0 && i < parallel; i++) {
			struct slot *s = &slots[i];
			if (s->fd < 0 || !(pfds[i].revents & (POLLIN | POLLERR)))
				continue;
			struct params p;
			for (int k = 0; k < 8; k++) { /* bounded: a few duplicates at most */
				ssize_t n = recv(s->fd, buf, sizeof buf, 0);
				if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					break;
				if (n < 0)
					continue; /* ICMP error (nobody listening): the retry timer decides */
				if (n > 1 && buf[0] == 0 && parse_params(buf + 1, (size_t)n - 1, &p)) {
					latency[ok] = now_s() - s->first_sent;
					struct in_addr a;
					addrs[ok] = inet_pton(AF_INET, p.address, &a) == 1 ? ntohl(a.s_addr) : 0;
					ok++;
					close(s->fd);
					s->fd = -1;
					active--;
					break;
				}
			}
		}
	}
	double seconds = now_s() - start;
	long unfinished = o->clients - ok - failed;

	qsort(latency, (size_t)ok, sizeof *latency, cmp_double);
	qsort(addrs, (size_t)ok, sizeof *addrs, cmp_u32);
	long distinct = 0;
	for (long i = 0; i < ok; i++)
		if (addrs[i] && (i == 0 || addrs[i] != addrs[i - 1]))
			distinct++;
	double p50 = ok ? latency[ok / 2] * 1000.0 : 0, p99 = ok ? latency[(ok * 99) / 100] * 1000.0 : 0;
	double max = ok ? latency[ok - 1] * 1000.0 : 0;
	double rate = seconds > 0 ? (double)ok / seconds : 0;
	printf("handshakes: %ld ok, %ld failed, %ld unfinished in %.3f s = %.1f handshakes/s; "
	       "latency ms p50 %.2f p99 %.2f max %.2f; distinct IPv4 addresses %ld\n",
	       ok, failed, unfinished, seconds, rate, p50, p99, max, distinct);
	printf("RESULT ok=%ld failed=%ld unfinished=%ld seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f "
	       "distinct=%ld\n",
	       ok, failed, unfinished, seconds, rate, p50, p99, distinct);
	for (long i = 0; i < parallel; i++)
		if (slots[i].fd >= 0)
			close(slots[i].fd);
	free(slots);
	free(pfds);
	free(latency);
	free(addrs);
	return ok == o->clients ? 0 : 1;
}

/* ---------- UDP load generator ---------- */

#define MAX_FLOWS 64

/* Packet n's UDP payload in the --imix cycle: 12 of 64 B, 5 of 576 B, 3 of 1400 B IP packets in
 * every 20, spread out so that each batch carries the mix. */
static size_t imix_payload(uint64_t n)
{
	static const unsigned short ip_len[20] = { 64, 576, 64, 1400, 64, 576, 64, 64, 576, 64,
						   1400, 64, 576, 64, 64, 576, 64, 1400, 64, 64 };
	return (size_t)ip_len[n % 20] - 28;
}

static int run_blast(const struct opts *o)
{
	if (!o->to)
		die("blast needs --to");
	struct sockaddr_storage to;
	socklen_t to_len;
	parse_endpoint(o->to, &to, &to_len);
	if (to.ss_family != AF_INET)
		die("blast: --to must be IPv4");
	struct sockaddr_in *dst = (struct sockaddr_in *)&to;
	uint16_t first_port = ntohs(dst->sin_port);

	/* One flow per source address ("" = unbound: the routing picks it). */
	char from[1024];
	snprintf(from, sizeof from, "%s", o->from ? o->from : "");
	int fds[MAX_FLOWS], flows = 0;
	uint64_t sent[MAX_FLOWS] = { 0 }, errors = 0;
	char *save = NULL, *tok = strtok_r(from, ",", &save);
	do {
		if (flows == MAX_FLOWS)
			die("blast: at most %d flows", MAX_FLOWS);
		if (first_port + flows > 65535)
			die("blast: port %d + %d flows is past 65535", first_port, flows);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* blocking: a full buffer waits */
		if (fd < 0)
			die("socket: %s", strerror(errno));
		int size = SOCKET_BUFFER;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
		if (tok && *tok) {
			struct sockaddr_in src = { .sin_family = AF_INET };
			if (inet_pton(AF_INET, tok, &src.sin_addr) != 1)
				die("blast: bad --from address '%s'", tok);
			if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0)
				die("blast: bind %s: %s", tok, strerror(errno));
		}
		struct sockaddr_in d = *dst;
		d.sin_port = htons((uint16_t)(first_port + flows));
		if (connect(fd, (struct sockaddr *)&d, sizeof d) < 0)
			die("blast: connect: %s", strerror(errno));
		fds[flows++] = fd;
	} while ((tok = strtok_r(NULL, ",", &save)));

	static unsigned char payload[1472];
	memset(payload, 0x5a, sizeof payload);
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ payload, (size_t)o->len };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	uint64_t sent_bytes = 0;

	double start = now_s(), end = start + (double)o->seconds;
	uint64_t total = 0;
	for (int f = 0; !stopping; f = (f + 1) % flows) {
		double t = now_s();
		if (t >= end)
			break;
		int n = BATCH;
		if (o->pps > 0) {
			/* Paced: never ahead of pps * elapsed; sleep until one more batch is due. */
			double due = (double)o->pps * (t - start) - (double)total;
			if (due < 1) {
				struct timespec ts = { 0, (long)(1e9 * BATCH / (double)o->pps) };
				if (ts.tv_nsec > 1000000)
					ts.tv_nsec = 1000000;
				nanosleep(&ts, NULL);
				continue;
			}
			if (due < n)
				n = (int)due;
		}
		if (o->imix)
			for (int i = 0; i < n; i++)
				iov[i].iov_len = imix_payload(total + (uint64_t)i);
		int k = sendmmsg(fds[f], msgs, (unsigned)n, 0);
		if (k < 0) {
			if (errno != EINTR)
				errors++;
			continue;
		}
		for (int i = 0; i < k; i++)
			sent_bytes += iov[i].iov_len + 28; /* IP + UDP headers */
		sent[f] += (uint64_t)k;
		total += (uint64_t)k;
	}
	double seconds = now_s() - start;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("BLAST flows=%d seconds=%.3f len=%ld imix=%d sent=%llu sent_ip_bytes=%llu pps=%.0f errors=%llu cpu_s=%.3f per_flow=",
	       flows, seconds, o->len, o->imix, (unsigned long long)total, (unsigned long long)sent_bytes,
	       (double)total / seconds, (unsigned long long)errors, cpu_s);
	for (int f = 0; f < flows; f++) {
		printf("%s%llu", f ? "," : "", (unsigned long long)sent[f]);
		close(fds[f]);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = parse_opts(argc, argv);
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(o.mode, "server"))
		return run_server(&o);
	if (!strcmp(o.mode, "client"))
		return run_client(&o);
	if (!strcmp(o.mode, "handshakes"))
		return run_handshakes(&o);
	if (!strcmp(o.mode, "blast"))
		return run_blast(&o);
	usage();
	return 2;
}
