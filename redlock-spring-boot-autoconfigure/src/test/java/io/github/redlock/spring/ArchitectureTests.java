package io.github.redlock.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.springframework.boot.autoconfigure.AutoConfiguration;

/**
 * The layering of the Spring side, after Spring Boot's own architecture rules: auto-configurations
 * are public final classes, and the packages under {@code io.github.redlock.spring} (the classes
 * imported here: this module's main classes) are free of cycles.
 */
@AnalyzeClasses(packages = "io.github.redlock.spring", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule autoConfigurationsArePublicFinal = classes().that().areAnnotatedWith(AutoConfiguration.class)
            .should().bePublic().andShould().haveModifier(JavaModifier.FINAL)
            .because("an auto-configuration is an entry point for Boot, not a base class to extend");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("(**)").should().beFreeOfCycles();
}
