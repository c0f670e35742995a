#![no_main]
nstools::entry!(nstools::tool::nsunshare::main);
