package io.github.redlock;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The layering of redlock-core, over its main classes only (not the tests, not redlock-test): the
 * engine knows nothing of Spring or Micrometer, and the implementation package does not call back
 * into the API package.
 */
@AnalyzeClasses(packagesOf = Redlock.class, importOptions = ArchitectureTests.CoreMainClasses.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule coreUsesNeitherSpringNorMicrometer = noClasses().that().resideInAPackage("io.github.redlock..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.micrometer..")
            .because("redlock-core is a plain Lettuce library; Spring and Micrometer belong to the starter");

    @ArchTest
    static final ArchRule internalDoesNotDependOnTheApi = noClasses().that().resideInAPackage("io.github.redlock.internal..")
            .should().dependOnClassesThat().resideInAPackage("io.github.redlock")
            .because("the API package builds on the implementation, never the other way round");

    /** The classes compiled from redlock-core's src/main (the location {@link Redlock} was loaded from). */
    static final class CoreMainClasses implements ImportOption {

        private static final Path MAIN = path(Redlock.class.getProtectionDomain().getCodeSource().getLocation());

        @Override
        public boolean includes(Location location) {
            URI uri = location.asURI();
            return "file".equals(uri.getScheme()) && Path.of(uri).startsWith(MAIN);
        }

        private static Path path(URL url) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
