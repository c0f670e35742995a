#![no_main]
nstools::entry!(nstools::tool::nscgroup::main);
