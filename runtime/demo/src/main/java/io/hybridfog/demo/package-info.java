/** The {@code hybridfog} command line: {@link io.hybridfog.demo.HybridFogCli} and its subcommands, one package each. */
package io.hybridfog.demo;
