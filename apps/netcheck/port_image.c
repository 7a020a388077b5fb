/* The image listens on 80: QEMU forwards the host port to it. */
const int netcheck_default_port = 80;
