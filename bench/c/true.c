/* A static `true`: the program every benchmark job ends by executing, so that the dynamic
 * loading of /bin/true is counted for no variant and peak RSS reflects the tool itself. */
int main(void) { return 0; }
