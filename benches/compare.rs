//! Side-by-side timing of nstools against the reference tools and a static C "floor" program
//! doing only the job's system calls. Not a test: run through `bench/run.sh [--quick] [FILTER]`,
//! which builds the release binaries and the floors first.
//!
//! For every job, the variants (ours, reference, floor) run interleaved, run by run, so drift in
//! the machine's load hits them alike. Each run is one `fork`+`exec`+`wait4` of the command; the
//! time is wall-clock around it and the peak RSS is the child's `ru_maxrss`. Per-run preparation
//! and clean-up (a fresh namespace to attach to, deleting what the run made) are not timed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Ours,
    Reference,
    Floor,
}

struct Variant {
    role: Role,
    label: String,
    /// Commands run one after the other and timed together (a reference that needs several
    /// commands for the job, like libcgroup's four). argv templates: `{n}` is the run number,
    /// `{KEY}` a value printed as `KEY=VALUE` by the job's `once` or `pre` script.
    commands: Vec<Vec<String>>,
}

struct Job {
    name: String,
    /// What the machine must offer for the job to run (else it is skipped with the reason).
    needs: Option<Need>,
    /// `sh` script run once before the job; its `KEY=VALUE` output lines become substitutions.
    once: Option<String>,
    /// `sh` script run once after the job.
    finally: Option<String>,
    /// `sh` scripts run before / after every timed run (with substitutions); `KEY=VALUE` lines
    /// printed by `pre` are substitutions for that run.
    pre: Option<String>,
    post: Option<String>,
    variants: Vec<Variant>,
}

fn words(s: &str) -> Vec<Vec<String>> {
    s.split(" && ")
        .map(|c| c.split_whitespace().map(str::to_string).collect())
        .collect()
}

impl Job {
    fn new(name: &str) -> Job {
        Job {
            name: name.into(),
            needs: None,
            once: None,
            finally: None,
            pre: None,
            post: None,
            variants: vec![],
        }
    }
    fn ours(mut self, argv: &str) -> Job {
        self.variants.push(Variant {
            role: Role::Ours,
            label: "nstools".into(),
            commands: words(argv),
        });
        self
    }
    fn reference(mut self, label: &str, argv: &str) -> Job {
        self.variants.push(Variant {
            role: Role::Reference,
            label: label.into(),
            commands: words(argv),
        });
        self
    }
    fn floor(self, argv: &str) -> Job {
        self.floor_as("C floor", argv)
    }
    /// Another floor (another way to do the job's system calls), labelled.
    fn floor_as(mut self, label: &str, argv: &str) -> Job {
        self.variants.push(Variant {
            role: Role::Floor,
            label: label.into(),
            commands: words(argv),
        });
        self
    }
    /// Ours another way (another script over the same tools), labelled; compared like a
    /// reference.
    fn ours_as(mut self, label: &str, argv: &str) -> Job {
        self.variants.push(Variant {
            role: Role::Reference,
            label: label.into(),
            commands: words(argv),
        });
        self
    }
    fn needs(mut self, need: Need) -> Job {
        self.needs = Some(need);
        self
    }
    fn once(mut self, script: &str) -> Job {
        self.once = Some(script.into());
        self
    }
    fn finally(mut self, script: &str) -> Job {
        self.finally = Some(script.into());
        self
    }
    fn pre(mut self, script: &str) -> Job {
        self.pre = Some(script.into());
        self
    }
    fn post(mut self, script: &str) -> Job {
        self.post = Some(script.into());
        self
    }
}

/// A cgroup layout a job needs.
#[derive(Clone, Copy)]
enum Need {
    /// v1 memory and pids hierarchies (the hybrid host: the floors write v1 files).
    CgroupV1,
    /// Pure cgroup v2, and the benchmark running in the root cgroup (as in the VM of
    /// `bench/vm.sh`): a relative cgroup below a cgroup with processes could get no controller.
    CgroupV2FromRoot,
}

impl Need {
    /// Why this machine does not offer it (`None`: it does).
    fn lacking(self) -> Option<String> {
        let v2 = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        match self {
            Need::CgroupV1 if v2 || !Path::new("/sys/fs/cgroup/memory").is_dir() => {
                Some("needs v1 memory and pids hierarchies".into())
            }
            Need::CgroupV2FromRoot if !v2 => {
                Some("needs pure cgroup v2 (bench/vm.sh runs it in a VM)".into())
            }
            Need::CgroupV2FromRoot if !own.lines().any(|l| l == "0::/") => {
                Some("needs to run in the root cgroup (bench/vm.sh runs it in a VM)".into())
            }
            _ => None,
        }
    }
}

/// Root's cgroup2 controllers for the v2 jobs (a fresh boot enables none): nscgroup enables
/// what is missing itself, but the floors only write, so both start from them enabled.
const V2_ONCE: &str = "echo '+memory +pids' > /sys/fs/cgroup/cgroup.subtree_control";

/// A root filesystem for the composed container in a new temporary directory `R` (the VM's
/// ready one, where there is one).
const ROOTFS_ONCE: &str = "r=$(mktemp -d /tmp/nstools-bench.XXXXXX); chmod 755 $r; \
     if [ -d /vm/rootfs ]; then cp -a /vm/rootfs $r/rootfs; \
     else {root}/examples/make-rootfs.sh $r/rootfs >/dev/null; fi; echo R=$r";

/// The jobs, with `{bin}` our static release binaries and `{floor}` the floors' directory (which
/// also holds the static `true` every job ends by executing).
fn jobs() -> Vec<Job> {
    vec![
        Job::new("unshare -r true")
            .ours("{bin}/nsunshare -r {floor}/true")
            .reference("util-linux", "unshare -r {floor}/true")
            .floor("{floor}/floor_unshare r {floor}/true"),
        Job::new("unshare -Urpf --mount-proc true")
            .ours("{bin}/nsunshare -Urpf --mount-proc {floor}/true")
            .reference("util-linux", "unshare -Urpf --mount-proc {floor}/true")
            .floor("{floor}/floor_unshare urpf {floor}/true"),
        Job::new("unshare -n true")
            .ours("{bin}/nsunshare -n {floor}/true")
            .reference("util-linux", "unshare -n {floor}/true")
            .floor("{floor}/floor_unshare n {floor}/true"),
        Job::new("unshare -muinpCT -f true (7 kinds)")
            .ours("{bin}/nsunshare -muinpCT -f {floor}/true")
            .reference("util-linux", "unshare -muinpCT -f {floor}/true")
            .floor("{floor}/floor_unshare all {floor}/true"),
        // What a user who built the way README says runs: `cargo build --release` (static musl
        // through .cargo/config.toml), with a dynamically linked `true` as the program.
        Job::new("README build: unshare -r /bin/true")
            .ours("{release}/nsunshare -r /bin/true")
            .reference("util-linux", "unshare -r /bin/true"),
        Job::new("README build: unshare -Urpf --mount-proc /bin/true")
            .ours("{release}/nsunshare -Urpf --mount-proc /bin/true")
            .reference("util-linux", "unshare -Urpf --mount-proc /bin/true"),
        Job::new("README build: nsenter -t PID -n -m /bin/true")
            .once("unshare -n -m sleep 3600 >/dev/null 2>&1 & echo T=$!; sleep 0.05")
            .finally("kill {T}")
            .ours("{release}/nsenter -t {T} -n -m /bin/true")
            .reference("util-linux", "nsenter -t {T} -n -m /bin/true"),
        Job::new("nsenter -t PID -n -m true")
            .once("unshare -n -m sleep 3600 >/dev/null 2>&1 & echo T=$!; sleep 0.05")
            .finally("kill {T}")
            .ours("{bin}/nsenter -t {T} -n -m {floor}/true")
            .reference("util-linux", "nsenter -t {T} -n -m {floor}/true")
            .floor("{floor}/floor_nsenter {T} {floor}/true"),
        // The iproute2 sequence creates the peer inside directly (its fastest form), then
        // addresses, links up and the route, one command each.
        Job::new("veth pair + addresses + up + gateway")
            .pre("ip netns add nsvb{n}")
            .post("ip link del vb{n} 2>/dev/null; ip netns del nsvb{n}")
            .ours(
                "{bin}/nsveth add --netns=nsvb{n} --host=vb{n} --host-addr=10.240.0.1/24 \
                 --peer-addr=10.240.0.2/24 --gateway",
            )
            .reference(
                "iproute2",
                "ip link add vb{n} type veth peer name eth0 netns nsvb{n} \
                 && ip link set vb{n} up && ip addr add 10.240.0.1/24 dev vb{n} \
                 && ip -n nsvb{n} link set lo up && ip -n nsvb{n} link set eth0 up \
                 && ip -n nsvb{n} addr add 10.240.0.2/24 dev eth0 \
                 && ip -n nsvb{n} route add default via 10.240.0.1",
            )
            .floor("{floor}/floor_nsveth /run/netns/nsvb{n} vb{n} 10.240.0.1 10.240.0.2 24"),
        // Our cgroup is `$M` in the memory hierarchy and `$P` in pids: libcgroup is given the
        // same places our relative paths resolve to. The floor does the same crash-safety work
        // as ours (a watcher process, the program tied to us); the bare one does not.
        Job::new("cgroup exec --rm, memory+pids limits")
            .needs(Need::CgroupV1)
            .once(CGROUP_ONCE)
            .ours("{bin}/nscgroup exec --rm b{n} --memory=32M --pids=20 -- {floor}/true")
            .reference(
                "libcgroup",
                "cgcreate -g memory:{M}/b{n} -g pids:{P}/b{n} \
                 && cgset -r memory.limit_in_bytes=33554432 {M}/b{n} \
                 && cgset -r pids.max=20 {P}/b{n} \
                 && cgexec -g memory:{M}/b{n} -g pids:{P}/b{n} {floor}/true \
                 && cgdelete -g memory:{M}/b{n} -g pids:{P}/b{n}",
            )
            .floor("{floor}/floor_cgroup rm b{n} {floor}/true")
            .floor_as(
                "C floor, no watcher",
                "{floor}/floor_cgroup rm-bare b{n} {floor}/true",
            ),
        Job::new("uid map of a new user namespace (as root)")
            .pre("unshare -U sleep 10 >/dev/null 2>&1 & echo pid=$!; sleep 0.01")
            .post("kill {pid}")
            .ours("{bin}/nsidmap --uid=0:0:1 {pid}")
            .reference("shadow newuidmap", "newuidmap {pid} 0 0 1")
            .floor("{floor}/floor_idmap {pid} 0 0 1"),
        // The whole container of examples/container.sh running `true`, against the same built
        // with util-linux + iproute2 + libcgroup (bench/reference-container.sh), and against the
        // same container's system calls alone (floor_container: the namespaces by one clone, the
        // maps, the veth pair and the cgroup from outside, the mounts and pivot inside).
        Job::new("composed container running true")
            .needs(Need::CgroupV1)
            .once(ROOTFS_ONCE)
            .finally("rm -rf {R}")
            .ours("env PATH={bin}:/usr/sbin:/usr/bin:/sbin:/bin dash {root}/examples/container.sh {R}/rootfs /bin/true")
            .ours_as("nstools, attach after start", "env PATH={bin}:/usr/sbin:/usr/bin:/sbin:/bin dash {root}/bench/container-attach.sh {R}/rootfs /bin/true")
            .reference("util-linux+iproute2+libcgroup", "dash {root}/bench/reference-container.sh {R}/rootfs /bin/true")
            .floor("{floor}/floor_container {R}/rootfs /bin/true"),
        // Pure cgroup v2 (bench/vm.sh: in the VM of tests/vm, under TCG: compare ratios, not
        // times). Ours and the C floor start the program inside its cgroup (clone3 with
        // CLONE_INTO_CGROUP) against the same moved in after it started. libcgroup does not run
        // in the busybox VM (skipped there); where it runs it is given our cgroup's place.
        Job::new("v2: cgroup exec --rm, memory+pids limits")
            .needs(Need::CgroupV2FromRoot)
            .once(V2_ONCE)
            .ours("{bin}/nscgroup exec --rm b{n} --memory=32M --pids=20 -- {floor}/true")
            .reference(
                "libcgroup",
                "cgcreate -g memory,pids:b{n} && cgset -r memory.max=33554432 b{n} \
                 && cgset -r pids.max=20 b{n} && cgexec -g memory,pids:b{n} {floor}/true \
                 && cgdelete -g memory,pids:b{n}",
            )
            .floor("{floor}/floor_cgroup rm b{n} {floor}/true")
            .floor_as(
                "C floor, attach after start",
                "{floor}/floor_cgroup rm-attach b{n} {floor}/true",
            )
            .floor_as(
                "C floor, no watcher",
                "{floor}/floor_cgroup rm-bare b{n} {floor}/true",
            ),
        Job::new("v2: composed container running true")
            .needs(Need::CgroupV2FromRoot)
            .once(&format!("{V2_ONCE}; {ROOTFS_ONCE}"))
            .finally("rm -rf {R}")
            .ours("env PATH={bin}:/usr/sbin:/usr/bin:/sbin:/bin sh {root}/examples/container.sh {R}/rootfs /bin/true")
            .ours_as("nstools, attach after start", "env PATH={bin}:/usr/sbin:/usr/bin:/sbin:/bin sh {root}/bench/container-attach.sh {R}/rootfs /bin/true")
            .floor("{floor}/floor_container {R}/rootfs /bin/true")
            .floor_as(
                "C floor, attach after start",
                "{floor}/floor_container --attach {R}/rootfs /bin/true",
            ),
    ]
}

const CGROUP_ONCE: &str =
    "echo M=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup | sed 's|/$||'); \
    echo P=$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup | sed 's|/$||')";

fn substitute(t: &str, vars: &HashMap<String, String>) -> String {
    let mut s = t.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// Run an `sh` script and add the `KEY=VALUE` lines it prints to `vars`.
fn sh_vars(script: &str, vars: &mut HashMap<String, String>) {
    for line in sh(script, vars).lines() {
        if let Some((k, v)) = line.split_once('=') {
            vars.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
}

fn sh(script: &str, vars: &HashMap<String, String>) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(substitute(script, vars))
        .stderr(Stdio::inherit())
        .output()
        .expect("cannot run sh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One timed run of a sequence of commands (stopping at the first failure): (seconds, success).
fn time_once(commands: &[Vec<String>]) -> (f64, bool) {
    let start = Instant::now();
    let ok = commands.iter().all(|argv| {
        Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", argv[0]))
            .success()
    });
    (start.elapsed().as_secs_f64(), ok)
}

/// Peak RSS of one run, in KiB, measured through the static `peakrss` wrapper (a separate,
/// untimed run: measuring it from this process would count the pages of our own fork).
/// The largest of the commands' peak RSS.
fn peak_rss(floor: &str, commands: &[Vec<String>]) -> i64 {
    let one = |argv: &Vec<String>| {
        let out = Command::new(format!("{floor}/peakrss"))
            .args(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .expect("cannot run peakrss");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find_map(|l| l.strip_prefix("peakrss ")?.trim().parse().ok())
            .unwrap_or(-1)
    };
    commands.iter().map(one).max().unwrap_or(-1)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Stats {
    label: String,
    role: Role,
    median: f64,
    min: f64,
    max: f64,
    rss: i64,
    failures: usize,
}

/// The Debian package that has a reference program, for the line that says it is missing.
fn package_of(program: &str) -> &'static str {
    match program {
        "cgcreate" | "cgset" | "cgexec" | "cgdelete" => "cgroup-tools",
        "newuidmap" | "newgidmap" => "uidmap",
        "ip" => "iproute2",
        "unshare" | "nsenter" => "util-linux",
        "dash" => "dash",
        _ => "?",
    }
}

/// The first program of `v` that cannot be found (in PATH, or at its path), if any.
fn missing_program(v: &Variant, vars: &HashMap<String, String>) -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    v.commands.iter().find_map(|argv| {
        let prog = substitute(&argv[0], vars);
        let found = if prog.contains('/') {
            Path::new(&prog).exists()
        } else {
            std::env::split_paths(&path).any(|d| d.join(&prog).is_file())
        };
        (!found).then_some(prog)
    })
}

fn run_job(job: &Job, runs: usize, base: &HashMap<String, String>) -> Vec<Stats> {
    if let Some(why) = job.needs.and_then(Need::lacking) {
        eprintln!("skipped '{}': {why}", job.name);
        return Vec::new();
    }
    let mut job_variants = Vec::new();
    for v in &job.variants {
        match missing_program(v, base) {
            None => job_variants.push(v),
            Some(p) => {
                let p = p.rsplit('/').next().unwrap_or(&p).to_string();
                eprintln!(
                    "skipped {} for '{}': {p} not found (apt-get install {})",
                    v.label,
                    job.name,
                    package_of(&p)
                )
            }
        }
    }
    if !job_variants.iter().any(|v| v.role == Role::Ours) {
        return Vec::new();
    }
    let mut vars = base.clone();
    if let Some(once) = &job.once {
        sh_vars(once, &mut vars);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); job_variants.len()];
    let mut rss = vec![0i64; job_variants.len()];
    let mut failures = vec![0usize; job_variants.len()];
    let mut n = 0usize;
    for _ in 0..runs {
        for (i, v) in job_variants.iter().enumerate() {
            n += 1;
            vars.insert("n".into(), n.to_string());
            if let Some(pre) = &job.pre {
                sh_vars(pre, &mut vars);
            }
            let commands: Vec<Vec<String>> = v
                .commands
                .iter()
                .map(|argv| argv.iter().map(|a| substitute(a, &vars)).collect())
                .collect();
            let (t, ok) = time_once(&commands);
            if let Some(post) = &job.post {
                sh(post, &vars);
            }
            times[i].push(t);
            failures[i] += usize::from(!ok);
            if n <= 3 * job_variants.len() {
                if let Some(pre) = &job.pre {
                    sh(pre, &vars);
                }
                rss[i] = rss[i].max(peak_rss(&vars["floor"], &commands));
                if let Some(post) = &job.post {
                    sh(post, &vars);
                }
            }
        }
    }
    if let Some(f) = &job.finally {
        sh(f, &vars);
    }
    job_variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let t = &mut times[i];
            let (min, max) = t
                .iter()
                .fold((f64::MAX, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            Stats {
                label: v.label.clone(),
                role: v.role,
                median: median(t),
                min,
                max,
                rss: rss[i],
                failures: failures[i],
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let runs = if quick { 10 } else { 50 };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or(root.join("target"), PathBuf::from);
    let mut base = HashMap::new();
    // Where things are; NSTOOLS_BENCH_{BIN,RELEASE,FLOOR,ROOT} move them (bench/vm.sh: in the VM).
    let place = |var: &str, default: PathBuf| {
        std::env::var_os(var)
            .map_or(default, PathBuf::from)
            .display()
            .to_string()
    };
    // Ours as shipped for minimal images: static builds (scripts/build-static.sh).
    base.insert(
        "bin".to_string(),
        place("NSTOOLS_BENCH_BIN", target.join("static")),
    );
    // Ours as README builds them: `cargo build --release`.
    base.insert(
        "release".to_string(),
        place(
            "NSTOOLS_BENCH_RELEASE",
            target.join("x86_64-unknown-linux-musl/release"),
        ),
    );
    base.insert(
        "floor".to_string(),
        place("NSTOOLS_BENCH_FLOOR", target.join("bench-c")),
    );
    base.insert(
        "root".to_string(),
        place("NSTOOLS_BENCH_ROOT", root.to_path_buf()),
    );

    println!("{runs} runs per variant, interleaved; times are wall-clock per command.\n");
    println!("| job | variant | median ms | min–max ms | peak RSS KiB | ours/this |");
    println!("|---|---|---:|---:|---:|---:|");
    for job in jobs() {
        if filter
            .as_ref()
            .is_some_and(|f| !job.name.contains(f.as_str()))
        {
            continue;
        }
        let stats = run_job(&job, runs, &base);
        let ours = stats
            .iter()
            .find(|s| s.role == Role::Ours)
            .map(|s| s.median);
        for s in &stats {
            let ratio = match (ours, s.role) {
                (Some(o), Role::Reference | Role::Floor) => format!("{:.2}×", o / s.median),
                _ => String::new(),
            };
            let failed = if s.failures > 0 {
                format!(" ({} FAILED)", s.failures)
            } else {
                String::new()
            };
            println!(
                "| {} | {}{} | {:.3} | {:.3}–{:.3} | {} | {} |",
                job.name,
                s.label,
                failed,
                s.median * 1e3,
                s.min * 1e3,
                s.max * 1e3,
                s.rss,
                ratio
            );
        }
    }
}
