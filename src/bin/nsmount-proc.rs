#![no_main]
nstools::entry!(nstools::tool::nsmount_proc::main);
