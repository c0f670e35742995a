fn main() {
    nstools::tool::nsmount_proc::main(std::env::args_os())
}
