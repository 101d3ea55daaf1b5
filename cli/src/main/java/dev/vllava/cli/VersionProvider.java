package dev.vllava.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (the Maven project version). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"vllava " + (version == null ? "(development build)" : version)};
    }
}
