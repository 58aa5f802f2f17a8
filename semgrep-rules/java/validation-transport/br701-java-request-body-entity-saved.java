package com.example.web;

import javax.validation.Valid;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.*;

@RestController
class UserController {
    private UserRepository userRepository;
    private javax.persistence.EntityManager em;

    @PostMapping("/users")
    User create(@Valid @RequestBody User user) {
        // ruleid: br701-java-request-body-entity-saved
        return userRepository.save(user);
    }

    @PutMapping("/users/{id}")
    User update(@PathVariable long id, @RequestBody User user) {
        user.setId(id);
        // ruleid: br701-java-request-body-entity-saved
        return em.merge(user);
    }

    @PostMapping("/accounts")
    String form(@ModelAttribute("account") Account account) {
        // ruleid: br701-java-request-body-entity-saved
        accountRepository.saveAndFlush(account);
        return "redirect:/accounts";
    }

    // ------------------------------------------------------------ negatives

    @PostMapping("/users/dto")
    User createFromDto(@Valid @RequestBody CreateUserRequest request) {
        User user = new User(request.getName(), request.getEmail());
        // ok: br701-java-request-body-entity-saved
        return userRepository.save(user);
    }

    @PostMapping("/users/copy")
    User copy(@RequestBody User body) {
        User user = new User();
        user.setName(body.getName());
        // ok: br701-java-request-body-entity-saved
        return userRepository.save(user);
    }
}

@Controller
class AccountFormController {
    @InitBinder
    void allow(WebDataBinder binder) {
        binder.setAllowedFields("name", "email");
    }

    @PostMapping("/profile")
    String save(@ModelAttribute Account account) {
        // ok: br701-java-request-body-entity-saved
        accountRepository.save(account);
        return "redirect:/profile";
    }
}
