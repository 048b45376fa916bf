/* A library that is not a lowcloud handler: it exports no lowcloud_abi_version. */
int handler(void) { return 0; }
